import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** How old a git lock file must be to count as left behind: git holds one for milliseconds. */
export const STALE_LOCK_AGE_MS = 10_000;

/** The lock files git makes in a bare repository beside the refs (`refs/heads/main.lock`...). */
const TOP_LOCKS = ['HEAD.lock', 'config.lock', 'packed-refs.lock', 'shallow.lock', 'index.lock'];

export interface LockFile {
  /** Relative to the repository: `refs/heads/main.lock`. */
  name: string;
  ageMs: number;
}

/**
 * The `*.lock` files of a bare repository. A git process that was killed (a daemon stopped
 * during a push or git:sync, a crash) leaves them, and git then refuses to touch that ref again
 * ("Unable to create '...main.lock': File exists") until one is removed.
 */
export function gitLockFiles(repo: string, now = Date.now()): LockFile[] {
  const found: LockFile[] = [];
  const add = (path: string) => {
    try {
      const stat = statSync(path);
      if (stat.isFile()) found.push({ name: relative(repo, path), ageMs: Math.max(0, now - stat.mtimeMs) });
    } catch {
      // gone meanwhile: git finished with it
    }
  };
  for (const name of TOP_LOCKS) add(join(repo, name));
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.lock')) add(join(dir, entry.name));
    }
  };
  walk(join(repo, 'refs'));
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export function removeLockFile(repo: string, lock: LockFile): void {
  rmSync(join(repo, lock.name), { force: true });
}
