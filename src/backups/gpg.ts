import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * Symmetric GPG (AES256) of one file into another, with the passphrase written to the program
 * on file descriptor 3: it is never on a command line, in the environment or in a file. Each run
 * has its own GnuPG home in `tmp` (so no agent keeps the passphrase), removed with its agent after.
 */
export async function gpgFile(mode: 'encrypt' | 'decrypt', passphrase: string, input: string, output: string, tmp: string): Promise<void> {
  const home = await mkdtemp(join(tmp, 'gnupg-'));
  try {
    const action = mode === 'encrypt' ? ['--symmetric', '--cipher-algo', 'AES256'] : ['--decrypt'];
    const args = [
      '--batch',
      '--yes',
      '--quiet',
      '--no-tty',
      '--homedir',
      home,
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
    const { code, stderr } = await runWithSecret('gpg', args, passphrase);
    if (code !== 0) {
      const why = lastLine(stderr) || `exit code ${code}`;
      throw new UserError(
        mode === 'decrypt' ? `cannot decrypt the backup (wrong passphrase?): ${why}` : `gpg could not encrypt the backup: ${why}`,
      );
    }
  } finally {
    await new Promise((resolve) => execFile('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], () => resolve(undefined)));
    await rm(home, { recursive: true, force: true });
  }
}

function runWithSecret(program: string, args: string[], secret: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new UserError(`${program} is not installed on the server; install it with: apt-get install gnupg`)
          : error,
      ),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
    const fd3 = child.stdio[3] as NodeJS.WritableStream;
    fd3.on('error', () => undefined);
    fd3.end(`${secret}\n`);
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
