import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { isGitUrl, pluginsDir } from './plugin-folder.js';

const CLONE_TIMEOUT_MS = 120_000;

/**
 * Puts a plugin's files in $PAAS_HOME/plugins/NAME: a copy of a server folder, or a shallow clone
 * of a git repository. Written beside it first and renamed into place, so a failed copy or clone
 * leaves nothing behind.
 */
export async function fetchPlugin(home: string, name: string, source: string): Promise<string> {
  const root = pluginsDir(home);
  const dest = join(root, name);
  if (existsSync(dest)) throw new UserError(`plugin "${name}" is already installed; remove it first with: paas plugin:uninstall ${name}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const staging = join(root, `.installing-${name}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    if (isGitUrl(source)) await clone(source, staging);
    else copyFolder(source, staging);
    renameSync(staging, dest);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dest;
}

function copyFolder(source: string, dest: string): void {
  if (!isAbsolute(source)) throw new UserError(`give the plugin's folder as an absolute path on the server (got "${printable(source)}")`);
  let isDir = false;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UserError(`${printable(source)} is not a folder on the server`);
  cpSync(source, dest, { recursive: true, filter: (path) => !path.endsWith('/.git') });
}

function clone(url: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['clone', '--depth', '1', '--quiet', '--', url, dest],
      { timeout: CLONE_TIMEOUT_MS, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        const why = stderr.trim().split('\n').pop() || error.message;
        reject(new UserError(`git clone of ${printable(url)} failed: ${why}`));
      },
    );
  });
}
