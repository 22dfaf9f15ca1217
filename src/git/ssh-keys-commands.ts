import { isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import type { CommandContext } from '../core/command.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { readUserFile } from '../core/user-files.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../core/output.js';
import type { Part } from '../core/part.js';
import { parsePublicKey } from './ssh-public-key.js';
import { syncSystemSshKeys } from './system-ssh.js';

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** A public key line is well under 1 KiB (rsa 4096: ~750 bytes); more is not a key. */
const MAX_KEY_INPUT = 16 * 1024;

export function assertSshKeyName(name: string): string {
  if (!KEY_NAME.test(name)) {
    throw new UserError(
      `invalid ssh key name "${printable(name)}": use letters, digits, dots, dashes, underscores and @, ` +
        'at most 64 characters (e.g. alice@laptop)',
    );
  }
  return name;
}

export const sshKeysPart: Part = {
  name: 'ssh-keys',
  description: 'ssh-keys:* commands: public keys allowed to push and run commands over SSH',
  register({ commands, store, settings, logger }) {
    commands.register({
      name: 'ssh-keys:add',
      summary: 'Allow a public key to push and run commands over SSH',
      usage: 'NAME [FILE|-]',
      description:
        'Reads one OpenSSH public key line (ed25519, ecdsa or rsa) from stdin, or from FILE when run\n' +
        'on the server itself (FILE is read by the daemon, so give an absolute path). Then:\n' +
        `  git remote add paas ssh://paas@HOST:${settings.sshPort}/blog\n` +
        `  ssh -p ${settings.sshPort} paas@HOST apps:list`,
      examples: [
        'paas ssh-keys:add alice@laptop - < ~/.ssh/id_ed25519.pub',
        `ssh -p ${settings.sshPort} paas@HOST ssh-keys:add ci - < ci_key.pub`,
        'paas ssh-keys:add deploy /home/deploy/.ssh/id_ed25519.pub',
      ],
      arity: [1, 2],
      async handler(ctx) {
        const [name, file = '-'] = ctx.args;
        assertSshKeyName(name);
        if (store.sshKeys.byName(name)) {
          throw new UserError(`an ssh key named "${name}" exists; remove it first with: paas ssh-keys:remove ${name}`);
        }
        const key = parsePublicKey(await readKeyInput(ctx, file));
        const holder = store.sshKeys.byFingerprint(key.fingerprint);
        if (holder) {
          throw new UserError(`this key is already added as "${holder.name}" (${key.fingerprint})`);
        }
        store.sshKeys.add({ name, fingerprint: key.fingerprint, publicKey: key.line });
        syncSystemSshKeys(settings, store, logger);
        writeLine(ctx.stdout, `-----> Added ssh key ${name}`);
        writeLine(ctx.stdout, `       ${key.fingerprint}`);
      },
    });

    commands.register({
      name: 'ssh-keys:list',
      summary: 'List the public keys allowed over SSH',
      usage: '[--format json]',
      examples: ['paas ssh-keys:list', 'paas ssh-keys:list --format json'],
      flags: FORMAT_FLAG,
      arity: [0, 0],
      handler({ flags, stdout }) {
        const keys = store.sshKeys.list();
        if (flags.format === 'json') {
          return writeJson(
            stdout,
            keys.map((k) => ({ name: k.name, fingerprint: k.fingerprint, createdAt: k.createdAt })),
          );
        }
        stdout.write(
          renderTable(
            ['NAME', 'FINGERPRINT', 'CREATED'],
            keys.map((k) => [k.name, k.fingerprint, k.createdAt]),
          ),
        );
      },
    });

    commands.register({
      name: 'ssh-keys:remove',
      summary: 'Revoke a public key (its open sessions are not cut)',
      usage: 'NAME',
      examples: ['paas ssh-keys:remove alice@laptop'],
      arity: [1, 1],
      handler({ args: [name], stdout }) {
        assertSshKeyName(name);
        if (!store.sshKeys.remove(name)) throw new UserError(`no ssh key named "${name}"; see: paas ssh-keys:list`);
        syncSystemSshKeys(settings, store, logger);
        writeLine(stdout, `-----> Removed ssh key ${name}`);
      },
    });
  },
};

/** The key text from stdin (`-`), or from a file the daemon may read for a local caller only. */
async function readKeyInput(ctx: CommandContext, file: string): Promise<string> {
  if (file === '-') {
    const text = await readBounded(ctx.stdin, ctx.signal);
    if (text.trim() === '') {
      throw new UserError('no public key on stdin; pipe one in: paas ssh-keys:add NAME - < ~/.ssh/id_ed25519.pub');
    }
    return text;
  }
  if (ctx.actor.transport !== 'socket') {
    throw new UserError('FILE is read on the server, so it only works there; pipe the key instead: ssh-keys:add NAME - < KEY.pub');
  }
  if (!isAbsolute(file)) {
    throw new UserError(`the daemon reads FILE, so give an absolute path (got "${printable(file)}"), or pipe it with -`);
  }
  return (await readUserFile(file, 'public key file', MAX_KEY_INPUT)).toString('utf8');
}

/** Reads a stream to its end, refusing more than MAX_KEY_INPUT bytes; gives up when the caller goes away. */
function readBounded(stream: Readable, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void) => {
      stream.off('data', onData).off('end', onEnd).off('error', onError);
      signal.removeEventListener('abort', onAbort);
      stream.pause();
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buffer.length;
      chunks.push(buffer);
      if (size > MAX_KEY_INPUT) {
        settle(() => reject(new UserError('the input is too big to be a public key; give the one line of a .pub file')));
      }
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks).toString('utf8')));
    const onError = (error: Error) => settle(() => reject(error));
    const onAbort = () => settle(() => reject(new UserError('cancelled before the key was read')));
    if (signal.aborted) return onAbort();
    if (stream.readableEnded) return resolve('');
    stream.on('data', onData).on('end', onEnd).on('error', onError);
    signal.addEventListener('abort', onAbort);
  });
}
