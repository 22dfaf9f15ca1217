import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import { repoPath } from '../../git/repositories.js';
import { STALE_LOCK_AGE_MS, gitLockFiles, removeLockFile } from '../../git/stale-locks.js';
import type { DeployServices } from '../services.js';

const clock = (date: Date) => `${date.toISOString().slice(11, 19)} UTC`;

/** "3 h", "12 min", "40 s": how long ago a lock file was left. Pure. */
export function shortAge(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/**
 * git:unlock: Dokku removes a deploy's leftovers that block the next one. paas's deploy lock
 * lives in the daemon and ends with its deploy (or the daemon), so what can be left behind is a
 * git lock file of a git process that was killed; and, with --force, the hold of a deploy that
 * never ends. A deploy that is running is never unlocked without --force.
 */
export function registerGitUnlockCommand(services: DeployServices): void {
  const { api, locks } = services;
  const { commands, store, paths } = api;
  commands.register({
    name: 'git:unlock',
    summary: "Remove an app's stale deploy locks (git lock files a killed git process left behind)",
    usage: '[--force] APP',
    description:
      'A git process killed during a push or git:sync (the daemon stopped, the server crashed) can leave a lock file\n' +
      `in the app's repository, and git then refuses the next push of that branch. git:unlock removes the ones older than\n` +
      `${STALE_LOCK_AGE_MS / 1000} s. While a deploy of the app runs it refuses: that lock is not stale. --force frees the app anyway\n` +
      '(for a deploy that hangs): the running deploy is not stopped (builds:cancel does that), and every git lock file goes.',
    examples: ['paas git:unlock blog', 'paas git:unlock --force blog'],
    flags: {
      force: { type: 'boolean', description: 'also while a deploy runs: free the app for the next deploy and remove every git lock file' },
    },
    arity: [1, 1],
    handler({ args: [name], flags, stdout, stderr }) {
      const app = requireApp(store, name);
      const force = flags.force === true;
      const holder = locks.holder(app.id);
      if (holder && !force) {
        throw new UserError(
          `a deploy of ${app.name} is running (since ${clock(holder.since)}: ${holder.what}), so its lock is not stale; ` +
            `wait for it, stop it with paas builds:cancel ${app.name}, or free the app anyway with paas git:unlock --force ${app.name}`,
        );
      }
      const repo = repoPath(paths, app.name);
      const all = gitLockFiles(repo);
      const stale = all.filter((lock) => force || lock.ageMs >= STALE_LOCK_AGE_MS);
      if (holder) {
        writeLine(stderr, ` !     A deploy of ${app.name} is running (since ${clock(holder.since)}: ${holder.what}).`);
        writeLine(stderr, ` !     Removing its lock does not stop it (paas builds:cancel ${app.name} does); another deploy may start now.`);
        locks.release(app.id);
        writeLine(stdout, `-----> Deploy lock of ${app.name} removed`);
      }
      for (const lock of stale) {
        removeLockFile(repo, lock);
        writeLine(stdout, `-----> Removed the git lock file ${lock.name} (left ${shortAge(lock.ageMs)} ago)`);
      }
      if (holder || stale.length) return;
      const young = all.map((lock) => lock.name).join(', ');
      writeLine(
        stdout,
        young
          ? `-----> No stale deploy lock for ${app.name}: ${young} is newer than ${STALE_LOCK_AGE_MS / 1000} s and may be in use (--force removes it)`
          : `-----> No deploy lock held for ${app.name}; nothing to remove`,
      );
    },
  });
}
