import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { UserError } from '../core/errors.js';

export interface TailOptions {
  /** Keep printing new lines until the caller goes away (`-t`). */
  follow: boolean;
  lines: number;
  stdout: Writable;
  signal: AbortSignal;
}

/**
 * The last lines of a log file with `tail`, and with follow, every new line until the caller
 * disconnects. `-F` follows the name, so it waits for a file nginx has not written yet.
 */
export function tailLog(file: string, options: TailOptions): Promise<void> {
  const args = ['-n', String(options.lines), ...(options.follow ? ['-F'] : []), '--', file];
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) return resolve();
    const child = spawn('tail', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const stop = () => child.kill('SIGTERM');
    options.signal.addEventListener('abort', stop, { once: true });
    child.stdout.on('data', (chunk: Buffer) => options.stdout.write(chunk));
    child.once('error', (error) => {
      options.signal.removeEventListener('abort', stop);
      reject(new UserError(`cannot read ${file}: ${error.message}`));
    });
    child.once('close', () => {
      options.signal.removeEventListener('abort', stop);
      resolve();
    });
  });
}
