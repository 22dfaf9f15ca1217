import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, instanceOf, run, startDaemon, stopNginx, viaNginx, type DaemonHandle } from './harness.js';

// What a host reboot leaves behind: no containers, no nginx, only PAAS_HOME and the volumes.
// Starting the daemon must bring every app back on its current release, and every service on
// its data, without a push.
let daemon: DaemonHandle;

const get = (app: string, path = '/') => viaNginx(daemon.httpPort, `${app}.example.test`, path);
const releases = async (app: string) =>
  JSON.parse(await daemon.paasOk(['releases', app, '--format', 'json'])) as Array<{ version: number }>;
const sql = async (query: string) =>
  (
    await daemon.paasOk(['postgres:connect', 'keep-db'], {
      input: `\\set QUIET on\n\\pset tuples_only on\n\\pset format unaligned\n${query}\n`,
    })
  ).trim();

async function until(what: string, check: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${daemon.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  daemon = await startDaemon();
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  for (const [app, page] of [
    ['first', 'first app\n'],
    ['second', 'second app\n'],
  ] as const) {
    await daemon.paasOk(['apps:create', app]);
    await daemon.paasOk(['domains:add', app, `${app}.example.test`]);
    const tree = await appWorkTree('hello');
    writeFileSync(join(tree.dir, 'www', 'index.html'), page);
    await tree.git('commit', '-qam', page);
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
  }
  // The current release of first is a config change after its deploy, with two web processes.
  await daemon.paasOk(['config:set', 'first', 'MARK=after-deploy']);
  await daemon.paasOk(['ps:scale', 'first', 'web=2']);
  await daemon.paasOk(['postgres:create', 'keep-db']);
  await sql("create table items (name text); insert into items values ('kept');");
}, 900_000);

afterAll(async () => {
  await daemon?.destroy();
}, 120_000);

describe('recovery after a reboot', () => {
  it('every app serves its current release again, and the service has its data, after the containers and nginx are gone', async () => {
    expect((await get('first')).body).toBe('first app\n');
    const before = { first: await releases('first'), second: await releases('second') };

    await daemon.stop();
    stopNginx(daemon.home);
    const label = `label=paas.instance=${instanceOf(daemon)}`;
    const ids = (await run('docker', ['ps', '-aq', '--filter', label])).stdout.split('\n').filter(Boolean);
    expect(ids.length).toBeGreaterThanOrEqual(4); // first x2, second, keep-db
    expect((await run('docker', ['rm', '-f', ...ids])).code).toBe(0);
    expect((await get('first')).status).toBe(0);

    await daemon.start();
    await until('first and second to serve', async () => (await get('first')).status === 200 && (await get('second')).status === 200);
    expect(await get('first')).toEqual({ status: 200, body: 'first app\n' });
    expect(await get('second')).toEqual({ status: 200, body: 'second app\n' });
    expect((await get('first', '/cgi-bin/env')).body).toContain('MARK=after-deploy\n');
    // Nothing was redeployed: the same releases, the same formation.
    expect(await releases('first')).toEqual(before.first);
    expect(await releases('second')).toEqual(before.second);
    const web = (await run('docker', ['ps', '-q', '--filter', label, '--filter', 'label=paas.app=first'])).stdout
      .split('\n')
      .filter(Boolean);
    expect(web).toHaveLength(2);
    await until('keep-db to run', async () => (await daemon.paas(['postgres:connect', 'keep-db'], { input: 'select 1;\n' })).code === 0);
    expect(await sql('select name from items;')).toBe('kept');
  });
});
