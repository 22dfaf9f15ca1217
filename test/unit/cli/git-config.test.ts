import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRemoteUrls, remoteUrlsFromConfig } from '../../../src/cli/git-config.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe('remote URLs from the git config', () => {
  it('reads remote sections as git does: quoted names, case-insensitive keys, comments', () => {
    const text = [
      '[core]',
      '\turl = not-a-remote',
      '[remote "paas"]',
      '\tURL = ssh://paas@host:2222/blog  # the server',
      '\tfetch = +refs/heads/*:refs/remotes/paas/*',
      '[Remote "dokku"]',
      '\turl = "dokku@host:shop"',
    ].join('\n');
    expect([...parseRemoteUrls(text)!]).toEqual([
      ['paas', 'ssh://paas@host:2222/blog'],
      ['dokku', 'dokku@host:shop'],
    ]);
  });

  it('leaves configs with includes to git', () => {
    expect(parseRemoteUrls('[include]\n\tpath = other.conf\n')).toBeUndefined();
    expect(parseRemoteUrls('[includeIf "gitdir:~/work/"]\n\tpath = work.conf\n')).toBeUndefined();
  });

  it('finds the repository from a subfolder and from a linked work tree', () => {
    const repo = mkdtempSync(join(tmpdir(), 'paas-gitconfig-'));
    dirs.push(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'remote', 'add', 'paas', 'http://paas:secret@server:8765/blog.git');
    git(repo, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'x');
    execFileSync('mkdir', ['-p', join(repo, 'a', 'b')]);
    expect(remoteUrlsFromConfig({}, join(repo, 'a', 'b'))?.get('paas')).toBe('http://paas:secret@server:8765/blog.git');
    const linked = `${repo}-linked`;
    dirs.push(linked);
    git(repo, 'worktree', 'add', '-q', linked);
    expect(remoteUrlsFromConfig({}, linked)?.get('paas')).toBe(git(linked, 'config', '--get', 'remote.paas.url').trim());
    expect(remoteUrlsFromConfig({}, tmpdir())?.get('paas')).toBeUndefined();
  });
});
