import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppLocks } from '../../../src/deploy/app-lock.js';
import { shortAge } from '../../../src/deploy/commands/git-unlock.js';
import { gitLockFiles } from '../../../src/git/stale-locks.js';

describe('AppLocks.release (git:unlock --force)', () => {
  it('frees the app for the next command while the first still runs, and the first ending frees nothing of the next', async () => {
    const locks = new AppLocks();
    let endFirst!: () => void;
    const first = locks.withLock(1, 'blog', 'deploying abc1234', () => new Promise<void>((resolve) => (endFirst = resolve)));
    expect(locks.holder(1)?.what).toBe('deploying abc1234');
    await expect(locks.withLock(1, 'blog', 'again', async () => undefined)).rejects.toThrow(/deploy of blog is in progress/);

    expect(locks.release(1)).toBe(true);
    expect(locks.holder(1)).toBeUndefined();
    let endSecond!: () => void;
    const second = locks.withLock(1, 'blog', 'deploying def5678', () => new Promise<void>((resolve) => (endSecond = resolve)));
    endFirst();
    await first;
    // The first deploy's end does not free the second's hold.
    expect(locks.holder(1)?.what).toBe('deploying def5678');
    endSecond();
    await second;
    expect(locks.holder(1)).toBeUndefined();
    expect(locks.release(1)).toBe(false);
  });
});

describe('gitLockFiles', () => {
  it("finds the lock files of a bare repository's refs and top files, with their age", () => {
    const repo = mkdtempSync(join(tmpdir(), 'paas-locks-'));
    try {
      mkdirSync(join(repo, 'refs', 'heads', 'feature'), { recursive: true });
      writeFileSync(join(repo, 'refs', 'heads', 'main'), 'x');
      writeFileSync(join(repo, 'refs', 'heads', 'feature', 'a.lock'), '');
      writeFileSync(join(repo, 'packed-refs.lock'), '');
      const old = new Date(Date.now() - 60_000);
      utimesSync(join(repo, 'packed-refs.lock'), old, old);
      const found = gitLockFiles(repo);
      expect(found.map((lock) => lock.name)).toEqual(['packed-refs.lock', 'refs/heads/feature/a.lock']);
      expect(found[0]!.ageMs).toBeGreaterThanOrEqual(59_000);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('shortAge', () => {
  it('says seconds, minutes or hours', () => {
    expect(shortAge(40_000)).toBe('40 s');
    expect(shortAge(3_600_000)).toBe('60 min');
    expect(shortAge(5 * 3_600_000)).toBe('5 h');
  });
});
