import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { UserError } from '../core/errors.js';
import { formatSize } from '../core/sizes.js';

export interface GitOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs git with an argument array (never a shell) and returns its stdout. */
export function git(args: readonly string[], options: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * `git archive --format=tar REV` into a private file: the pushed tree, the build's input. A tree
 * that unpacks to more than `maxBytes` (a small pack can hold a huge tree) is refused.
 */
export async function archiveToFile(rev: string, file: string, options: GitOptions & { maxBytes: number }): Promise<void> {
  const child = spawn('git', ['archive', '--format=tar', rev], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let size = 0;
  let tooBig = false;
  child.stdout.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > options.maxBytes && !tooBig) {
      tooBig = true;
      child.kill('SIGTERM');
    }
  });
  const out = createWriteStream(file, { mode: 0o600 });
  child.stdout.pipe(out);
  const [code] = (await once(child, 'close')) as [number | null];
  if (!out.writableFinished) await once(out, 'finish');
  if (tooBig) {
    throw new UserError(
      `the pushed source tree is bigger than ${formatSize(options.maxBytes)} unpacked; ` +
        'leave large files out of the repository, or raise PAAS_MAX_PUSH_SIZE',
    );
  }
  if (code !== 0) throw new Error(`git archive ${rev} failed: ${stderr.trim()}`);
}
