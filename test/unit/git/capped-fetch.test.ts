import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchCapped } from '../../../src/git/capped-fetch.js';

const scratch = mkdtempSync(join(tmpdir(), 'paas-capped-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const git = (args: string[], cwd = scratch) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

/** A bare repository with one commit holding `bytes` random bytes. */
function upstream(name: string, bytes: number): string {
  const work = join(scratch, `${name}-work`);
  git(['init', '-q', '-b', 'main', work]);
  writeFileSync(join(work, 'data.bin'), randomBytes(bytes));
  git(['add', '-A'], work);
  git(['commit', '-qm', 'data'], work);
  const bare = join(scratch, `${name}.git`);
  git(['clone', '-q', '--bare', work, bare]);
  return bare;
}

describe('fetchCapped', () => {
  const options = (repo: string, remote: string, maxBytes: number) => ({
    repo,
    remote: `file://${remote}`,
    refspecs: ['+refs/heads/*:refs/synced/heads/*'],
    env: {},
    tmpDir: join(scratch, 'tmp'),
    maxBytes,
    shown: remote,
  });

  it('fetches within the cap into the repository, and leaves no staging folder', async () => {
    const repo = join(scratch, 'app1.git');
    git(['init', '-q', '--bare', repo]);
    await fetchCapped(options(repo, upstream('small', 10_000), 1024 * 1024));
    expect(git(['--git-dir', repo, 'rev-parse', 'refs/synced/heads/main']).trim()).toMatch(/^[0-9a-f]{40}$/);
    expect(readdirSync(join(scratch, 'tmp'))).toEqual([]);
  });

  it('refuses more than the cap and keeps none of it', async () => {
    const repo = join(scratch, 'app2.git');
    git(['init', '-q', '--bare', repo]);
    await expect(fetchCapped(options(repo, upstream('large', 3 * 1024 * 1024), 1024 * 1024))).rejects.toThrow(
      /is bigger than 1m \(PAAS_MAX_PUSH_SIZE/,
    );
    expect(git(['--git-dir', repo, 'for-each-ref'])).toBe('');
    expect(git(['--git-dir', repo, 'count-objects'])).toBe('0 objects, 0 kilobytes\n');
    expect(readdirSync(join(scratch, 'tmp'))).toEqual([]);
  });
});
