import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from './settings.js';

/** What the daemon makes is its owner's alone: files 0600, folders 0700. */
export const PRIVATE_UMASK = 0o077;

/** Subfolders that hold secrets, source or logs: kept private even when PAAS_HOME already was. */
const PRIVATE_TREES = ['logs', 'builds', 'tmp', 'locks'] as const;

/**
 * Makes PAAS_HOME private whoever created it first (install.sh, an older paas, a user's mkdir):
 * the folder 0700, and, for an install that was open to other users, every file and folder in it
 * without group or other permissions. The secret-holding files and folders are checked on every
 * start. Returns how many modes were changed.
 */
export function secureHome(paths: Paths): number {
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  // stat, not lstat: when PAAS_HOME is a link, the folder it names is what must be private.
  const home = statSync(paths.home);
  const wasOpen = (home.mode & 0o077) !== 0;
  let changed = repair(paths.home, home, wasOpen);
  if (wasOpen) return changed;
  for (const name of readdirSync(paths.home)) {
    const entry = join(paths.home, name);
    changed += repair(entry, lstatSync(entry), (PRIVATE_TREES as readonly string[]).includes(name));
  }
  return changed;
}

/** Takes group and other permissions away from one path (and, with deep, everything under it). */
function repair(path: string, stats: Stats, deep: boolean): number {
  if (stats.isSymbolicLink()) return 0;
  let changed = 0;
  if ((stats.mode & 0o077) !== 0) {
    chmodSync(path, stats.mode & 0o7700);
    changed++;
  }
  if (deep && stats.isDirectory()) {
    for (const name of readdirSync(path)) {
      const entry = join(path, name);
      changed += repair(entry, lstatSync(entry), true);
    }
  }
  return changed;
}
