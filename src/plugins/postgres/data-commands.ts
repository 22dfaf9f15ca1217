import { createReadStream } from 'node:fs';
import { RESTORE_FLAGS, fetchRestoreInput } from '../../backups/restore-input.js';
import { writeLine } from '../../core/output.js';
import { pgDumpCommand, restoreDump } from './backup-source.js';
import type { ServiceContext } from '../service-kit/context.js';
import { POSTGRES_USER, databaseName } from './postgres-service.js';

/** postgres:connect, :export, :import: programs run inside the service's container. */
export function registerDataCommands(pg: ServiceContext): void {
  const { commands } = pg.api;

  commands.register({
    name: 'postgres:connect',
    summary: "Run psql against a service's database; standard input and output are passed through",
    usage: 'NAME',
    description: 'Reads SQL from standard input when it is not a terminal; over SSH with a terminal it is interactive.',
    examples: ["echo 'select count(*) from posts' | paas postgres:connect blog-db", 'ssh -t -p 2222 paas@host postgres:connect blog-db'],
    arity: [1, 1],
    async handler({ args: [name], stdout, stderr, stdin, signal, terminal }) {
      const service = pg.requireService(name);
      return pg.exec(service, {
        cmd: ['psql', '-U', POSTGRES_USER, '-d', databaseName(service.name)],
        user: 'postgres',
        env: ['PSQL_HISTORY=/tmp/.psql_history'],
        stdout,
        stderr,
        stdin,
        signal,
        terminal,
      });
    },
  });

  commands.register({
    name: 'postgres:export',
    summary: "Write a dump of a service's database to standard output (pg_dump custom format)",
    usage: 'NAME > FILE',
    description: 'The dump is byte-for-byte what pg_dump -Fc wrote; restore it with postgres:import.',
    examples: ['paas postgres:export blog-db > blog-db.dump'],
    arity: [1, 1],
    async handler({ args: [name], stdout, stderr, signal }) {
      const service = pg.requireService(name);
      return pg.exec(service, { cmd: pgDumpCommand(service.name), user: 'postgres', stdout, stderr, signal });
    },
  });

  commands.register({
    name: 'postgres:import',
    summary: "Restore a dump into a service's database: from standard input, or a backup in a bucket or server folder",
    usage: 'NAME < FILE | NAME --from BUCKET/OBJECT|file:///PATH [--use-iam]',
    description:
      'Runs pg_restore --clean --if-exists --no-owner: tables in the dump replace those with the same names.\n' +
      "--from takes a backup made by postgres:backup, with the service's backup-auth (or --use-iam); an encrypted one\n" +
      '(.gpg) needs the same passphrase set on this service with postgres:backup-set-encryption.',
    examples: [
      'paas postgres:import blog-db < blog-db.dump',
      'paas postgres:import blog-db --from my-backups/postgres-blog-db-2026-12-01-03-00-00.dump',
    ],
    flags: RESTORE_FLAGS,
    arity: [1, 1],
    async handler({ args: [name], flags, actor, stdout, stderr, stdin, signal }) {
      const service = pg.requireService(name);
      await pg.runningContainer(service);
      const backup = await fetchRestoreInput(pg.backups, service.name, flags, actor, signal);
      try {
        writeLine(stdout, `-----> Importing into postgres service ${service.name}${backup ? ` from ${flags.from}` : ''}`);
        const code = await restoreDump(pg, service, backup ? createReadStream(backup.file) : stdin, { stdout, stderr, signal });
        if (code === 0) writeLine(stdout, `-----> Imported into ${service.name}`);
        else writeLine(stderr, `error: pg_restore exited with ${code}; see its messages above`);
        return code;
      } finally {
        await backup?.cleanup();
      }
    },
  });
}
