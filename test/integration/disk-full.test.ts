import { mkdtempSync, readdirSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, removeDockerObjects, removeNginxTemp, run, startDaemon, stopNginx, viaNginx, type DaemonHandle } from './harness.js';

// PAAS_HOME on a 64 MB tmpfs made by this test (as root), filled up by old build logs: a push
// fails with one clear message and changes nothing; after `paas cleanup` the next push works.
const mount = mkdtempSync(join(tmpdir(), 'paas-disk-full-'));
let mounted = false;
let daemon: DaemonHandle;
let tree: Awaited<ReturnType<typeof appWorkTree>>;
let remote: string;

const get = () => viaNginx(daemon.httpPort, 'tiny.example.test');
const free = () => Number(statfsSync(mount).bavail) * Number(statfsSync(mount).bsize);
const releases = async () => JSON.parse(await daemon.paasOk(['releases', 'tiny', '--format', 'json'])) as Array<{ version: number }>;

async function push(page: string) {
  writeFileSync(join(tree.dir, 'www', 'index.html'), page);
  await tree.git('commit', '-qam', page);
  return tree.git('push', remote, 'main');
}

beforeAll(async () => {
  const result = await run('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0700', 'tmpfs', mount]);
  if (result.code !== 0) throw new Error(`this test mounts a tmpfs and must run as root: ${result.stderr}`);
  mounted = true;
  daemon = await startDaemon({ home: mount, env: { PAAS_BUILD_MIN_FREE: '16m' } });
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/tiny.git`;
  await daemon.paasOk(['apps:create', 'tiny']);
  await daemon.paasOk(['domains:add', 'tiny', 'tiny.example.test']);
  await daemon.paasOk(['builds:set', '--global', 'retention', '1']);
  tree = await appWorkTree('hello');
  for (const page of ['v1\n', 'v2\n']) {
    const pushed = await push(page);
    expect(pushed.code, pushed.stderr).toBe(0);
  }
}, 300_000);

afterAll(async () => {
  if (daemon) {
    await daemon.stop();
    await removeDockerObjects(daemon.home);
    stopNginx(daemon.home);
    removeNginxTemp(daemon.home);
  }
  if (mounted) {
    // Lazily: the managed nginx may take a moment to let go of its log files.
    await run('umount', ['-l', mount]);
  }
  rmdirSync(mount);
}, 120_000);

describe('a full disk', () => {
  it('refuses a push with one message naming the space needed and paas cleanup, and changes nothing', async () => {
    const before = await releases();
    const builds = JSON.parse(await daemon.paasOk(['builds:list', 'tiny', '--format', 'json'])) as Array<{ id: number }>;
    // The oldest build's log grows until 8 MB are left: less than the 16 MB a build needs here.
    const oldest = Math.min(...builds.map((b) => b.id));
    writeFileSync(join(mount, 'builds', `${oldest}.log`), Buffer.alloc(free() - 8 * 1024 ** 2, 'x'), { flag: 'a' });
    expect(free()).toBeLessThan(16 * 1024 ** 2);

    const refused = await push('v3\n');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      new RegExp(
        `not enough disk space: PAAS_HOME \\(${mount}\\) has \\d+(\\.\\d)? MB free, and a build needs at least 16 MB; free some with: paas cleanup`,
      ),
    );
    expect(await releases()).toEqual(before);
    expect(await get()).toEqual({ status: 200, body: 'v2\n' });
    // No build record was started, no source left behind, and the database still takes writes.
    expect(JSON.parse(await daemon.paasOk(['builds:list', 'tiny', '--format', 'json']))).toEqual(builds);
    expect(readdirSync(join(mount, 'tmp')).filter((name) => name.startsWith('build-'))).toEqual([]);
    await daemon.paasOk(['config:set', '--no-restart', 'tiny', 'AFTER_FULL=1']);
  });

  it('paas cleanup removes the old build log past the retention and says what it freed', async () => {
    const output = await daemon.paasOk(['cleanup']);
    expect(output).toContain('-----> Cleaning up');
    expect(output).toMatch(/-----> Removed (.*, )?1 old build log(, .*)?: freed \d+ MB/);
    expect(free()).toBeGreaterThan(40 * 1024 ** 2);
    expect(JSON.parse(await daemon.paasOk(['builds:list', 'tiny', '--format', 'json']))).toHaveLength(1);
  });

  it('the next push deploys', async () => {
    const pushed = await tree.git('push', remote, 'main');
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(await get()).toEqual({ status: 200, body: 'v3\n' });
  });

  it('paas report shows what the app uses on disk', async () => {
    const report = await daemon.paasOk(['report', 'tiny']);
    expect(report).toContain('=====> tiny disk usage');
    expect(report).toMatch(/Disk images: +\d+(\.\d)? (KB|MB) in [1-9]\d* images?/);
    expect(report).toMatch(/Disk repository: +\d+(\.\d)? KB/);
    expect(report).toMatch(/Disk total: +\d/);
  });
});
