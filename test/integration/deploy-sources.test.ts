import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, appWorkTree, daemonWithToken, paasBytes, run, startDaemon, viaNginx, type DaemonHandle } from './harness.js';

/** Deploys without a push: an image on the server, a tarball on stdin, another git repository. */
const suite = daemonWithToken();
let daemon: DaemonHandle;
const remote = suite.remote;
const scratch = mkdtempSync(join(tmpdir(), 'paas-sources-'));
const image = `paas-sources-test-${process.pid}/hello:1`;

beforeAll(() => {
  daemon = suite.daemon();
});
afterAll(async () => {
  await run('docker', ['rmi', '-f', image]);
  rmSync(scratch, { recursive: true, force: true });
});

/** The hello sample with its page saying `text`, in a fresh folder. */
function helloSaying(text: string): string {
  const dir = mkdtempSync(join(scratch, 'hello-'));
  cpSync(join(ROOT, 'test/fixtures/apps/hello'), dir, { recursive: true });
  writeFileSync(join(dir, 'www/index.html'), `${text}\n`);
  return dir;
}

/** What the app serves through nginx at APP.test. */
async function served(app: string): Promise<string> {
  const response = await viaNginx(daemon.httpPort, `${app}.test`);
  expect(response.status).toBe(200);
  return response.body;
}

const releaseCount = async (app: string) => JSON.parse(await daemon.paasOk(['releases', app, '--format', 'json'])).length as number;

describe('deploy sources', () => {
  it('git:from-image deploys an image built on the server; the same image again is a no-op', async () => {
    const built = await run('docker', ['build', '-q', '-t', image, helloSaying('from an image')]);
    expect(built.code, built.stderr).toBe(0);
    await daemon.paasOk(['apps:create', 'img']);
    await daemon.paasOk(['domains:add', 'img', 'img.test']);
    const out = await daemon.paasOk(['git:from-image', 'img', image]);
    expect(out).toContain('Releasing img v1');
    expect(await served('img')).toBe('from an image\n');

    const again = await daemon.paasOk(['git:from-image', 'img', image]);
    expect(again).toContain('No changes detected');
    expect(await releaseCount('img')).toBe(1);
    expect((await daemon.paas(['git:from-image', 'img', 'Bad Image!'])).stderr).toMatch(/invalid image "Bad Image!"/);
    // A remote client cannot make the server pull from an internal registry.
    const internal = await remote(['git:from-image', 'img', '127.0.0.1:5000/team/app:1']);
    expect(internal.code).not.toBe(0);
    expect(internal.stderr).toMatch(/private or loopback address/);
  });

  it('git:from-archive deploys a tarball from standard input', async () => {
    const dir = helloSaying('from a tarball');
    // One top folder, as GitHub's archives have: it is unpacked without it.
    const tarball = execFileSync('tar', ['-C', join(dir, '..'), '-cz', join(dir).split('/').pop()!]);
    await daemon.paasOk(['apps:create', 'arc']);
    await daemon.paasOk(['domains:add', 'arc', 'arc.test']);
    const result = await paasBytes(daemon, ['git:from-archive', 'arc', '-'], tarball);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.toString()).toContain('Unpacking a tar.gz archive');
    expect(await served('arc')).toBe('from a tarball\n');
    // The branch moved: a later push or `paas deploy` builds the same code.
    expect((await daemon.paasOk(['git:report', 'arc', '--git-sha'])).trim()).toMatch(/^[0-9a-f]{40}$/);

    const garbage = await paasBytes(daemon, ['git:from-archive', 'arc', '-'], Buffer.from('not an archive at all'));
    expect(garbage.code).not.toBe(0);
    expect(garbage.stderr.trim().split('\n')).toHaveLength(1);
    expect(await releaseCount('arc')).toBe(1);
    const fromServer = await remote(['git:from-archive', 'arc', '/etc/passwd']);
    expect(fromServer.stderr).toMatch(/only the paas command on the server may use/);
    const internal = await remote(['git:from-archive', 'arc', 'https://127.0.0.1/app.tar']);
    expect(internal.stderr).toMatch(/private or loopback address/);
  });

  it('git:sync --build deploys a branch of a local bare repository (file URLs from the server only)', async () => {
    const bare = join(scratch, 'upstream.git');
    expect((await run('git', ['init', '-q', '--bare', bare])).code).toBe(0);
    const tree = await appWorkTree('hello');
    writeFileSync(join(tree.dir, 'www/index.html'), 'from git:sync\n');
    await tree.git('commit', '-qam', 'synced');
    expect((await tree.git('push', '-q', bare, 'main:release')).code).toBe(0);

    await daemon.paasOk(['apps:create', 'synced']);
    await daemon.paasOk(['domains:add', 'synced', 'synced.test']);
    const refused = await remote(['git:sync', '--build', 'synced', `file://${bare}`, 'release']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/only the paas command on the server may use/);

    const out = await daemon.paasOk(['git:sync', '--build', 'synced', `file://${bare}`, 'release']);
    expect(out).toContain('Releasing synced v1');
    expect(await served('synced')).toBe('from git:sync\n');
    expect(await daemon.paasOk(['git:report', 'synced', '--git-deploy-branch'])).toBe('release\n');
    expect((await daemon.paas(['git:sync', 'synced', bare, 'nope'])).stderr).toMatch(/has no branch, tag or commit "nope"/);
    const unchanged = await daemon.paasOk(['git:sync', '--build-if-changes', 'synced', bare, 'release']);
    expect(unchanged).toContain('was already at');
    expect(await releaseCount('synced')).toBe(1);
  });
});

describe('git:sync within PAAS_MAX_PUSH_SIZE', () => {
  let small: DaemonHandle;
  beforeAll(async () => {
    small = await startDaemon({ env: { PAAS_MAX_PUSH_SIZE: '1m' } });
  });
  afterAll(async () => {
    await small?.destroy();
  });

  it('refuses a repository bigger than the push cap, keeping nothing of it; a small one still syncs', async () => {
    const bare = join(scratch, 'huge.git');
    expect((await run('git', ['init', '-q', '--bare', bare])).code).toBe(0);
    const tree = await appWorkTree('hello');
    // Random bytes do not compress: the fetch brings about 8 MB, eight times the cap.
    writeFileSync(join(tree.dir, 'www/blob.bin'), randomBytes(8 * 1024 * 1024));
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'a big file');
    expect((await tree.git('push', '-q', bare, 'main:main')).code).toBe(0);

    await small.paasOk(['apps:create', 'capped']);
    const repo = join(small.home, 'repos', 'capped.git');
    const sizeBefore = (await run('git', ['count-objects', '-v'], { env: { GIT_DIR: repo } })).stdout;
    const refused = await small.paas(['git:sync', '--build', 'capped', bare, 'main']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/huge\.git is bigger than 1m \(PAAS_MAX_PUSH_SIZE, the cap of a push\); the fetch was stopped/);
    // Nothing of it stayed: no objects, no refs, no staging folder, no release, deploy branch unchanged.
    expect((await run('git', ['count-objects', '-v'], { env: { GIT_DIR: repo } })).stdout).toBe(sizeBefore);
    expect((await run('git', ['for-each-ref'], { env: { GIT_DIR: repo } })).stdout).toBe('');
    const tmp = join(small.home, 'tmp');
    expect(existsSync(tmp) ? readdirSync(tmp).filter((name) => name.startsWith('sync-')) : []).toEqual([]);
    expect(await small.paasOk(['releases', 'capped', '--format', 'json'])).toBe('[]\n');
    expect(await small.paasOk(['git:report', 'capped', '--git-deploy-branch'])).toBe('\n');

    // The history without the big file fits, and syncs as before.
    const fits = join(scratch, 'fits.git');
    expect((await run('git', ['init', '-q', '--bare', fits])).code).toBe(0);
    const smallTree = await appWorkTree('hello');
    expect((await smallTree.git('push', '-q', fits, 'main:release')).code).toBe(0);
    const synced = await small.paasOk(['git:sync', 'capped', fits, 'release']);
    expect(synced).toMatch(/Branch release is now at [0-9a-f]{7}/);
  });
});
