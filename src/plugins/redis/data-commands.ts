import { createReadStream } from 'node:fs';
import { Writable, type Readable } from 'node:stream';
import { RESTORE_FLAGS, fetchRestoreInput } from '../../backups/restore-input.js';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import type { ServiceContext } from '../service-kit/context.js';
import type { ServiceRow } from '../service-kit/store.js';
import { DATA_DIR } from './image-definition.js';
import { redisCli } from './redis-service.js';

const IMPORT_FILE = `${DATA_DIR}/paas-import.rdb`;
export const DUMP_FILE = `${DATA_DIR}/dump.rdb`;

/** redis:connect, :export, :import: programs run inside the service's container. */
export function registerDataCommands(ctx: ServiceContext): void {
  const { commands } = ctx.api;

  commands.register({
    name: 'redis:connect',
    summary: 'Run redis-cli against a service; standard input and output are passed through',
    usage: 'NAME',
    description: 'Reads commands from standard input when it is not a terminal; over SSH with a terminal it is interactive.',
    examples: ["echo 'DBSIZE' | paas redis:connect cache", 'ssh -t -p 2222 paas@host redis:connect cache'],
    arity: [1, 1],
    async handler({ args: [name], stdout, stderr, stdin, signal, terminal }) {
      const service = ctx.requireService(name);
      return ctx.exec(service, { ...redisCli(service.password, []), stdout, stderr, stdin, signal, terminal });
    },
  });

  commands.register({
    name: 'redis:export',
    summary: "Write a snapshot of a service's data to standard output (an RDB file)",
    usage: 'NAME > FILE',
    description: 'Runs SAVE, then streams the dump.rdb it wrote byte for byte; restore it with redis:import.',
    examples: ['paas redis:export cache > cache.rdb'],
    arity: [1, 1],
    async handler({ args: [name], stdout, stderr, signal }) {
      const service = ctx.requireService(name);
      await cli(ctx, service, ['SAVE'], /^OK/);
      return ctx.exec(service, { cmd: ['cat', DUMP_FILE], user: 'redis', stdout, stderr, signal });
    },
  });

  commands.register({
    name: 'redis:import',
    summary: 'Replace the data of a service with an RDB file: from standard input, or a backup in a bucket or server folder',
    usage: 'NAME < FILE | NAME --from BUCKET/OBJECT|file:///PATH [--use-iam]',
    description:
      'The file is checked with redis-check-rdb first: a broken one changes nothing. Then every key of the\n' +
      'service is replaced by the keys in the file, and the append-only file is rewritten from them.\n' +
      "--from takes a backup made by redis:backup, with the service's backup-auth (or --use-iam); an encrypted one\n" +
      '(.gpg) needs the same passphrase set on this service with redis:backup-set-encryption.',
    examples: ['paas redis:import cache < cache.rdb', 'paas redis:import cache --from my-backups/redis-cache-2026-12-01-03-00-00.rdb'],
    flags: RESTORE_FLAGS,
    arity: [1, 1],
    async handler({ args: [name], flags, actor, stdout, stdin, signal }) {
      const service = ctx.requireService(name);
      await ctx.runningContainer(service);
      const backup = await fetchRestoreInput(ctx.backups, service.name, flags, actor, signal);
      try {
        writeLine(stdout, `-----> Importing into redis service ${service.name}${backup ? ` from ${flags.from}` : ''}`);
        await importRdb(ctx, service, backup ? createReadStream(backup.file) : stdin, signal);
      } finally {
        await backup?.cleanup();
      }
      writeLine(stdout, `-----> Imported into ${service.name}: ${(await cli(ctx, service, ['DBSIZE'], /^\d+/)).trim()} keys`);
    },
  });
}

/**
 * Loads an RDB file into the running server: written beside the data, checked, then loaded with
 * DEBUG RELOAD NOSAVE (which reads dump.rdb) while snapshots and the AOF are off, so nothing
 * overwrites it meanwhile; the AOF is then rewritten from the loaded keys.
 */
export async function importRdb(ctx: ServiceContext, service: ServiceRow, stdin: Readable, signal: AbortSignal): Promise<void> {
  const sink = { stdout: devNull(), stderr: devNull() };
  const written = await ctx.exec(service, {
    cmd: ['dd', `of=${IMPORT_FILE}`, 'bs=65536', 'status=none'],
    user: 'redis',
    stdin,
    signal,
    ...sink,
  });
  if (written !== 0) throw new UserError(`could not write the file into ${service.name} (dd exited with ${written})`);
  const check = await ctx.execText(service, { cmd: ['redis-check-rdb', IMPORT_FILE], user: 'redis' });
  if (check.code !== 0) {
    await ctx.execText(service, { cmd: ['rm', '-f', IMPORT_FILE], user: 'redis' });
    const why = check.output
      .split('\n')
      .find((line) => /error|invalid|wrong|unexpected/i.test(line))
      ?.trim();
    throw new UserError(`the input is not a valid RDB file${why ? ` (${why.slice(0, 200)})` : ''}; nothing was changed`);
  }
  const save = (await cli(ctx, service, ['CONFIG', 'GET', 'save'])).split('\n')[1]?.trim() ?? '';
  await cli(ctx, service, ['CONFIG', 'SET', 'save', ''], /^OK/);
  await cli(ctx, service, ['CONFIG', 'SET', 'appendonly', 'no'], /^OK/);
  try {
    const moved = await ctx.execText(service, { cmd: ['mv', '-f', IMPORT_FILE, DUMP_FILE], user: 'redis' });
    if (moved.code !== 0) throw new UserError(`could not put the file in place: ${moved.output.trim()}`);
    await cli(ctx, service, ['DEBUG', 'RELOAD', 'NOSAVE'], /^OK/);
  } finally {
    await cli(ctx, service, ['CONFIG', 'SET', 'appendonly', 'yes'], /^OK/);
    await cli(ctx, service, ['CONFIG', 'SET', 'save', save], /^OK/);
  }
  await waitForAofRewrite(ctx, service);
}

/** CONFIG SET appendonly yes rewrites the AOF in the background: done when no rewrite is running or scheduled. */
async function waitForAofRewrite(ctx: ServiceContext, service: ServiceRow): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const info = await cli(ctx, service, ['INFO', 'persistence']);
    if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    if (Date.now() > deadline)
      throw new UserError(
        `redis service ${service.name} did not finish rewriting its append-only file; see: paas redis:logs ${service.name}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One redis-cli command; its reply, or a clear error when it failed or did not match `expect`. */
export async function cli(ctx: ServiceContext, service: ServiceRow, args: string[], expect?: RegExp): Promise<string> {
  const { code, output } = await ctx.execText(service, redisCli(service.password, args));
  if (code !== 0 || /^(ERR|WRONGTYPE|NOAUTH|LOADING)\b/.test(output) || (expect && !expect.test(output))) {
    throw new UserError(`redis ${args[0]} failed in ${service.name}: ${output.trim().split('\n')[0] ?? `exit ${code}`}`);
  }
  return output;
}

function devNull(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
