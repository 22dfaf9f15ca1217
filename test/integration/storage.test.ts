import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, processContainerIds, run, daemonWithToken, type DaemonHandle } from './harness.js';

const suite = daemonWithToken();
let daemon: DaemonHandle;
let token: string;
beforeAll(() => {
  daemon = suite.daemon();
  token = suite.token();
});
const remote = suite.remote;
/**
 * The Binds of the app's newest running process container, as Docker reports them. Old
 * containers may still be retiring (or gone by the time they are inspected): they are skipped.
 */
const webBinds = async (): Promise<string[]> => {
  const ids = await processContainerIds(daemon, 'store');
  const found: Array<{ created: number; binds: string[] }> = [];
  for (const id of ids) {
    const inspect = await run('docker', ['inspect', '--format', '{{.Created}} {{json .HostConfig.Binds}}', id]);
    if (inspect.code !== 0) continue;
    const [created, binds] = inspect.stdout.trim().split(' ') as [string, string];
    found.push({ created: Date.parse(created), binds: (JSON.parse(binds) as string[] | null) ?? [] });
  }
  expect(found.length).toBeGreaterThan(0);
  return found.sort((a, b) => b.created - a.created)[0]!.binds;
};

describe('persistent storage', () => {
  const folder = () => join(daemon.home, 'storage', 'store-data');

  it('ensure-directory makes a folder owned by the app user', async () => {
    await daemon.paasOk(['apps:create', 'store']);
    const out = await daemon.paasOk(['storage:ensure-directory', 'store-data']);
    expect(out).toBe(
      `-----> Ensuring ${folder()} exists\n       Setting directory ownership to 1000:1000\n       Directory ready for mounting\n`,
    );
    const stats = statSync(folder());
    expect([stats.uid, stats.gid, stats.mode & 0o777]).toEqual([1000, 1000, 0o755]);
    // A process running as uid 1000 can write there, though PAAS_HOME itself is 0700 root's.
    const write = await run('docker', [
      'run',
      '--rm',
      '--user',
      '1000:1000',
      '-v',
      `${folder()}:/d`,
      'paas-test/busybox:1',
      'sh',
      '-c',
      'echo u > /d/by-1000',
    ]);
    expect(write.code, write.stderr).toBe(0);
    expect(readFileSync(join(folder(), 'by-1000'), 'utf8')).toBe('u\n');
  });

  it('refuses bad mounts with one line and stores nothing', async () => {
    const refusals: Array<[string[], RegExp, boolean]> = [
      [['storage:mount', 'store', '/:/host'], /refusing to mount \//, false],
      [['storage:mount', 'store', `${daemon.home}:/paas`], /paas's own state/, false],
      [['storage:mount', 'store', '/var/run:/run-docker'], /socket/, false],
      [['storage:mount', 'store', 'missing:/data'], /storage missing does not exist; make it first/, false],
      [['storage:mount', 'store', 'store-data:relative'], /must be absolute/, false],
      [['storage:mount', 'store', '/tmp:/tmp-host'], /from a remote client only storage folders/, true],
      [['storage:mount', 'store', `${folder()}/..:/x`], /\.\. is not allowed/, true],
    ];
    for (const [args, message, viaToken] of refusals) {
      const result = viaToken ? await remote(args) : await daemon.paas(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect(JSON.parse(await daemon.paasOk(['storage:list', 'store', '--format', 'json']))).toEqual([]);
  });

  it('a file written through the mount survives a redeploy and a rollback', async () => {
    // A remote caller may mount a storage folder by name.
    const mounted = await remote(['storage:mount', 'store', 'store-data:/data']);
    expect(mounted.code, mounted.stderr).toBe(0);
    expect(mounted.stdout).toContain('It applies from the next deploy or restart: paas ps:restart store');
    expect((await daemon.paas(['storage:mount', 'store', 'store-data:/data'])).stderr).toMatch(/Mount path already exists/);
    expect(await daemon.paasOk(['storage:list', 'store'])).toBe(`-----> store volume bind-mounts:\n       ${folder()}:/data\n`);
    expect(JSON.parse(await daemon.paasOk(['storage:list', 'store', '--format', 'json']))).toEqual([
      { entry_name: 'store-data', host_path: folder(), container_path: '/data' },
    ]);
    expect(await daemon.paasOk(['storage:report', 'store', '--storage-deploy-mounts'])).toBe(`-v ${folder()}:/data\n`);
    expect(await daemon.paasOk(['storage:report', 'store', '--storage-build-mounts'])).toBe('\n');

    const tree = await appWorkTree('hello');
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/store.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(await webBinds()).toEqual([`${folder()}:/data`]);

    expect(await daemon.paasOk(['run', 'store', 'sh', '-c', 'echo hi > /data/x'])).toBe('');
    expect(readFileSync(join(folder(), 'x'), 'utf8')).toBe('hi\n');

    await daemon.paasOk(['deploy', 'store']);
    expect(await daemon.paasOk(['run', 'store', 'cat', '/data/x'])).toBe('hi\n');
    await daemon.paasOk(['rollback', 'store']);
    expect(await webBinds()).toEqual([`${folder()}:/data`]);
    expect(await daemon.paasOk(['run', 'store', 'cat', '/data/x'])).toBe('hi\n');
  });

  it('unmount takes effect on the next restart; the files stay on the host', async () => {
    expect((await daemon.paas(['storage:unmount', 'store', 'store-data:/other'])).stderr).toMatch(/Mount path does not exist/);
    const out = await daemon.paasOk(['storage:unmount', 'store', 'store-data:/data']);
    expect(out).toContain(`Unmounted ${folder()}:/data from store`);
    expect(await webBinds()).toEqual([`${folder()}:/data`]);
    await daemon.paasOk(['ps:restart', 'store']);
    expect(await webBinds()).toEqual([]);
    expect((await daemon.paas(['run', 'store', 'cat', '/data/x'])).code).not.toBe(0);
    expect(readFileSync(join(folder(), 'x'), 'utf8')).toBe('hi\n');
  });
});
