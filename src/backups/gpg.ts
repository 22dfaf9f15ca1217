import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * Symmetric GPG (AES256) of one file into another, with the passphrase written to the program
 * on file descriptor 3: it is never on a command line, in the environment or in a file. Each run
 * has its own GnuPG home in `tmp` (so no agent keeps the passphrase), removed with its agent after.
 */
export async function gpgFile(mode: 'encrypt' | 'decrypt', passphrase: string, input: string, output: string, tmp: string): Promise<void> {
  await withHome(tmp, async (home) => {
    const action = mode === 'encrypt' ? ['--symmetric', '--cipher-algo', 'AES256'] : ['--decrypt'];
    const args = [
      ...base(home),
      '--pinentry-mode',
      'loopback',
      '--no-symkey-cache',
      '--passphrase-fd',
      '3',
      ...action,
      '--output',
      output,
      input,
    ];
    const { code, stderr } = await runGpg(args, passphrase);
    if (code !== 0) {
      const why = lastLine(stderr) || `exit code ${code}`;
      throw new UserError(
        mode === 'decrypt' ? `cannot decrypt the backup (wrong passphrase?): ${why}` : `gpg could not encrypt the backup: ${why}`,
      );
    }
  });
}

/** A public key as stored for backup-set-public-key-encryption: that one key, ASCII-armored. */
export interface PublicKey {
  fingerprint: string;
  userIds: string[];
  armored: string;
}

/**
 * The public key in `data` (armored or binary, as gpg --export writes it) that later backups are
 * encrypted to: the one whose fingerprint ends with `keyId` when given, else the only one that
 * can encrypt. Private keys are refused: the server must never hold one.
 */
export async function readPublicKey(data: Buffer, keyId: string | undefined, tmp: string): Promise<PublicKey> {
  return withHome(tmp, async (home) => {
    const file = join(home, 'key');
    await writeFile(file, data, { mode: 0o600 });
    const shown = await runGpg([...base(home), '--with-colons', '--show-keys', file]);
    if (shown.code !== 0)
      throw new UserError(`standard input is not a GPG public key: ${lastLine(shown.stderr) || 'gpg could not read it'}`);
    const keys = parseColonKeys(shown.stdout);
    if (keys.some((key) => key.secret)) {
      throw new UserError(
        'that is a private key; give the public key only (gpg --armor --export KEY-ID): the server must not hold the private key',
      );
    }
    const key = chooseKey(keys, keyId);
    const imported = await runGpg([...base(home), '--import', file]);
    if (imported.code !== 0) throw new UserError(`gpg could not import the key: ${lastLine(imported.stderr)}`);
    const exported = await runGpg([...base(home), '--armor', '--export-options', 'export-minimal', '--export', key.fingerprint]);
    if (exported.code !== 0 || !exported.stdout.includes('BEGIN PGP PUBLIC KEY BLOCK')) {
      throw new UserError(`gpg could not export the key ${key.fingerprint}: ${lastLine(exported.stderr)}`);
    }
    return { fingerprint: key.fingerprint, userIds: key.userIds, armored: exported.stdout };
  });
}

/** Encrypts a file to a stored public key (no private key needed, none kept). */
export async function gpgEncryptTo(key: { fingerprint: string; key: string }, input: string, output: string, tmp: string): Promise<void> {
  await withHome(tmp, async (home) => {
    const file = join(home, 'key.asc');
    await writeFile(file, key.key, { mode: 0o600 });
    const imported = await runGpg([...base(home), '--import', file]);
    if (imported.code !== 0) throw new UserError(`gpg could not import the backup public key: ${lastLine(imported.stderr)}`);
    const args = [...base(home), '--trust-model', 'always', '--recipient', key.fingerprint, '--encrypt', '--output', output, input];
    const { code, stderr } = await runGpg(args);
    if (code !== 0)
      throw new UserError(`gpg could not encrypt the backup to ${key.fingerprint}: ${lastLine(stderr) || `exit code ${code}`}`);
  });
}

interface ColonKey {
  fingerprint: string;
  userIds: string[];
  canEncrypt: boolean;
  secret: boolean;
}

/** gpg --with-colons output: one entry per primary key (pub or sec). Pure. */
export function parseColonKeys(text: string): ColonKey[] {
  const keys: ColonKey[] = [];
  let current: ColonKey | undefined;
  let fingerprintNext = false;
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'pub' || fields[0] === 'sec') {
      current = { fingerprint: '', userIds: [], canEncrypt: (fields[11] ?? '').includes('E'), secret: fields[0] === 'sec' };
      keys.push(current);
      fingerprintNext = true;
    } else if (fields[0] === 'fpr' && current && fingerprintNext) {
      current.fingerprint = fields[9] ?? '';
      fingerprintNext = false;
    } else if (fields[0] === 'uid' && current) {
      current.userIds.push(fields[9] ?? '');
    } else if (fields[0] === 'sub' || fields[0] === 'ssb') {
      fingerprintNext = false;
      if (current && fields[0] === 'ssb') current.secret = true;
    }
  }
  return keys.filter((key) => key.fingerprint);
}

/** The key to encrypt to. Pure. */
export function chooseKey(keys: readonly ColonKey[], keyId: string | undefined): ColonKey {
  if (keyId !== undefined) {
    const id = keyId.replace(/^0x/i, '').toUpperCase();
    if (!/^[0-9A-F]{8,40}$/.test(id))
      throw new UserError('the key id must be 8 to 40 hex digits (a key id or fingerprint, e.g. 0x1234ABCD5678EF90)');
    const found = keys.find((key) => key.fingerprint.toUpperCase().endsWith(id));
    if (!found)
      throw new UserError(`no key with id ${keyId} on standard input (it has ${keys.map((k) => k.fingerprint).join(', ') || 'none'})`);
    if (!found.canEncrypt) throw new UserError(`key ${found.fingerprint} cannot encrypt (no encryption subkey)`);
    return found;
  }
  const usable = keys.filter((key) => key.canEncrypt);
  if (usable.length === 1) return usable[0]!;
  if (!usable.length) throw new UserError('no key on standard input can encrypt (it needs an encryption subkey)');
  throw new UserError(`standard input has ${usable.length} keys; name one: ${usable.map((k) => k.fingerprint).join(', ')}`);
}

function base(home: string): string[] {
  return ['--batch', '--yes', '--quiet', '--no-tty', '--homedir', home];
}

/** A fresh GnuPG home (0700) in `tmp` for one job, removed with its agent after. */
async function withHome<T>(tmp: string, job: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmp, 'gnupg-'));
  try {
    return await job(home);
  } finally {
    await new Promise((resolve) => execFile('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], () => resolve(undefined)));
    await rm(home, { recursive: true, force: true });
  }
}

/** Runs gpg (argv, no shell); `secret`, when given, is written on file descriptor 3. */
function runGpg(args: string[], secret?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', args, { stdio: ['ignore', 'pipe', 'pipe', secret === undefined ? 'ignore' : 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-1_048_576)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new UserError('gpg is not installed on the server; install it with: apt-get install gnupg') : error),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    if (secret !== undefined) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream;
      fd3.on('error', () => undefined);
      fd3.end(`${secret}\n`);
    }
  });
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^gpg: /, '')
      .trim() ?? ''
  );
}
