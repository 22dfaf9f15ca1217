import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, buildRunning, daemonWithToken, httpGet, run, type DaemonHandle } from './harness.js';

/** git:set keep-git-dir and rev-env-var (what the build and the running app see), and git:unlock. */
const suite = daemonWithToken();
let daemon: DaemonHandle;
let token: string;
const scratch = mkdtempSync(join(tmpdir(), 'paas-git-settings-'));
beforeAll(() => {
  daemon = suite.daemon();
  token = suite.token();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const urlOf = async (app: string) => (await daemon.paasOk(['urls', app])).trim().split('\n')[0]!;
const envOf = async (app: string) => (await httpGet(`${await urlOf(app)}/cgi-bin/env`)).body;
const currentImage = async (app: string) =>
  (JSON.parse(await daemon.paasOk(['releases', app, '--format', 'json'])) as Array<{ image: string }>)[0]!.image;

/** The /src/.git folder of the app's current image, copied out to the host; undefined if the image has none. */
async function gitDirOf(app: string): Promise<string | undefined> {
  const created = await run('docker', ['create', await currentImage(app)]);
  expect(created.code, created.stderr).toBe(0);
  const id = created.stdout.trim();
  try {
    const into = mkdtempSync(join(scratch, 'copy-'));
    const copied = await run('docker', ['cp', `${id}:/src/.git`, join(into, '.git')]);
    return copied.code === 0 ? join(into, '.git') : undefined;
  } finally {
    await run('docker', ['rm', '-f', id]);
  }
}

describe('git:set keep-git-dir and rev-env-var', () => {
  it('passes the deployed commit as GIT_REV to the build and the processes, under another name, or not at all', async () => {
    const tree = await appWorkTree('hello');
    writeFileSync(
      join(tree.dir, 'Dockerfile'),
      'FROM paas-test/busybox:1\nARG GIT_REV\nARG DOKKU_GIT_REV\nCOPY . /src\nCOPY www /www\n' +
        'RUN chmod 0755 /www/cgi-bin/* && echo "built:$GIT_REV:$DOKKU_GIT_REV" > /www/rev.txt\n' +
        'EXPOSE 5000\nCMD httpd -f -p ${PORT:-5000} -h /www\n',
    );
    await tree.git('commit', '-qam', 'report the revision');
    const sha = (await tree.git('rev-parse', 'HEAD')).stdout.trim();
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/rev.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    expect((await httpGet(`${await urlOf('rev')}/rev.txt`)).body).toBe(`built:${sha}:\n`);
    expect(await envOf('rev')).toContain(`GIT_REV=${sha}`);
    expect(await daemon.paasOk(['git:report', 'rev', '--git-computed-rev-env-var'])).toBe('GIT_REV\n');
    // Without keep-git-dir (the default) the build has no .git folder.
    expect(await gitDirOf('rev')).toBeUndefined();

    // Bad values change nothing.
    for (const args of [
      ['git:set', 'rev', 'rev-env-var', 'NOT A NAME'],
      ['git:set', 'rev', 'rev-env-var', 'PORT'],
      ['git:set', '--global', 'rev-env-var', 'X'],
      ['git:set', 'rev', 'keep-git-dir', 'maybe'],
    ]) {
      const refused = await daemon.paas(args);
      expect(refused.code, args.join(' ')).not.toBe(0);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await daemon.paasOk(['git:report', 'rev', '--git-computed-rev-env-var'])).toBe('GIT_REV\n');
    expect(await daemon.paasOk(['git:report', 'rev', '--git-computed-keep-git-dir'])).toBe('false\n');

    expect(await daemon.paasOk(['git:set', 'rev', 'rev-env-var', 'DOKKU_GIT_REV'])).toContain('Setting rev-env-var to DOKKU_GIT_REV');
    await daemon.paasOk(['deploy', 'rev']);
    expect((await httpGet(`${await urlOf('rev')}/rev.txt`)).body).toBe(`built::${sha}\n`);
    const renamed = await envOf('rev');
    expect(renamed).toContain(`DOKKU_GIT_REV=${sha}`);
    expect(renamed).not.toMatch(/^GIT_REV=/m);
    expect(await daemon.paasOk(['run', 'rev', 'sh', '-c', 'echo $DOKKU_GIT_REV'])).toBe(`${sha}\n`);

    // Empty turns it off: neither name, in the build nor in the processes.
    await daemon.paasOk(['git:set', 'rev', 'rev-env-var', '']);
    expect(await daemon.paasOk(['git:report', 'rev', '--git-computed-rev-env-var'])).toBe('\n');
    await daemon.paasOk(['deploy', 'rev']);
    expect((await httpGet(`${await urlOf('rev')}/rev.txt`)).body).toBe('built::\n');
    expect(await envOf('rev')).not.toMatch(/GIT_REV=/);
    const report = JSON.parse(await daemon.paasOk(['git:report', 'rev', '--format', 'json'])) as Record<string, string>;
    expect(report).toMatchObject({ 'rev-env-var': '', 'computed-rev-env-var': '', 'keep-git-dir': '', 'global-keep-git-dir': 'false' });
  });

  it('keep-git-dir true gives the build a clone of the repository at the deployed commit', async () => {
    const tree = await appWorkTree('hello');
    writeFileSync(
      join(tree.dir, 'Dockerfile'),
      'FROM paas-test/busybox:1\nCOPY . /src\nCOPY www /www\nEXPOSE 5000\nCMD httpd -f -p ${PORT:-5000} -h /www\n',
    );
    await tree.git('commit', '-qam', 'copy the whole source');
    writeFileSync(join(tree.dir, 'second.txt'), 'two\n');
    await tree.git('add', 'second.txt');
    await tree.git('commit', '-qm', 'second commit');
    const sha = (await tree.git('rev-parse', 'HEAD')).stdout.trim();
    await daemon.paasOk(['apps:create', 'kept']);
    expect(await daemon.paasOk(['git:set', 'kept', 'keep-git-dir', 'true'])).toContain('Setting keep-git-dir to true');
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/kept.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('Keeping the .git folder');

    const gitDir = await gitDirOf('kept');
    expect(gitDir).toBeDefined();
    const inClone = (...args: string[]) => run('git', [`--git-dir=${gitDir}`, ...args]);
    expect((await inClone('rev-parse', 'HEAD')).stdout.trim()).toBe(sha);
    expect((await inClone('symbolic-ref', 'HEAD')).stdout.trim()).toBe('refs/heads/main');
    // The whole history, standing on its own (no alternates to the server's repository).
    expect((await inClone('rev-list', '--count', 'HEAD')).stdout.trim()).toBe('3');
    const fsck = await inClone('fsck', '--full');
    expect(fsck.code, fsck.stderr).toBe(0);
    // A working clone: the files of the build match its index.
    const status = await run('git', [`--git-dir=${gitDir}`, `--work-tree=${join(gitDir!, '..')}`, 'ls-files']);
    expect(status.stdout).toContain('second.txt');

    // Turned off again, the next deploy builds without it (not the reused image with .git).
    await daemon.paasOk(['git:set', 'kept', 'keep-git-dir', 'false']);
    await daemon.paasOk(['deploy', 'kept']);
    expect(await gitDirOf('kept')).toBeUndefined();
  });
});

describe('git:unlock', () => {
  it('removes a git lock file a killed git left behind, so the branch can be pushed again', async () => {
    const tree = await appWorkTree('hello');
    const url = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/locky.git`;
    expect((await tree.git('push', url, 'main')).code).toBe(0);
    expect(await daemon.paasOk(['git:unlock', 'locky'])).toBe('-----> No deploy lock held for locky; nothing to remove\n');

    const lock = join(daemon.home, 'repos', 'locky.git', 'refs', 'heads', 'main.lock');
    writeFileSync(lock, '');
    // Just made: git may be using it right now, so only --force would take it.
    expect(await daemon.paasOk(['git:unlock', 'locky'])).toMatch(/No stale deploy lock for locky: refs\/heads\/main.lock is newer than/);
    expect(existsSync(lock)).toBe(true);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lock, hourAgo, hourAgo);
    writeFileSync(join(tree.dir, 'www/index.html'), 'after the unlock\n');
    await tree.git('commit', '-qam', 'second');
    const blocked = await tree.git('push', url, 'main');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toMatch(/main\.lock/);

    expect(await daemon.paasOk(['git:unlock', 'locky'])).toBe('-----> Removed the git lock file refs/heads/main.lock (left 60 min ago)\n');
    expect(existsSync(lock)).toBe(false);
    const pushed = await tree.git('push', url, 'main');
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((await httpGet(await urlOf('locky'))).body).toBe('after the unlock\n');
    const unknown = await daemon.paas(['git:unlock', 'nosuchapp']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/nosuchapp/);
  });

  it('refuses while a deploy runs; --force frees the app without stopping the deploy', async () => {
    const tree = await appWorkTree('slow-build');
    const pushing = tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/slowlock.git`, 'main');
    expect(await buildRunning(daemon, 'slowlock')).toBe(true);
    const refused = await daemon.paas(['git:unlock', 'slowlock']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/a deploy of slowlock is running \(since \d\d:\d\d:\d\d UTC: deploying [0-9a-f]{7}\)/);

    const forced = await daemon.paas(['git:unlock', '--force', 'slowlock']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe('-----> Deploy lock of slowlock removed\n');
    expect(forced.stderr).toMatch(/Removing its lock does not stop it/);
    expect(await daemon.paasOk(['git:unlock', 'slowlock'])).toBe('-----> No deploy lock held for slowlock; nothing to remove\n');
    // The deploy itself goes on, and can still be canceled.
    expect(await daemon.paasOk(['builds:cancel', 'slowlock'])).toBe('-----> Canceling the running build of slowlock\n');
    expect((await pushing).code).not.toBe(0);
  });
});
