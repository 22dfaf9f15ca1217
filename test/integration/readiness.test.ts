import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, loadDuring, startDaemon, viaNginx, type DaemonHandle } from './harness.js';

// Readiness without app.json checks: traffic moves as soon as a new web container accepts
// connections; a container that dies soon after (inside the stay-up window) sends it back.
let daemon: DaemonHandle;
let tree: Awaited<ReturnType<typeof appWorkTree>>;
let remote: string;

beforeAll(async () => {
  daemon = await startDaemon();
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/flaky.git`;
  await daemon.paasOk(['apps:create', 'flaky']);
  await daemon.paasOk(['domains:add', 'flaky', 'flaky.example.test']);
  tree = await appWorkTree('flaky');
  const push = await tree.git('push', remote, 'main');
  expect(push.code, push.stderr).toBe(0);
  expect(push.stderr).toContain('Checking web.1: waiting for it to accept connections on port 5000');
});
afterAll(async () => {
  await daemon?.destroy();
});

const get = (path = '/') => viaNginx(daemon.httpPort, 'flaky.example.test', path);
const releases = async () => JSON.parse(await daemon.paasOk(['releases', 'flaky', '--format', 'json'])) as Array<{ version: number }>;

describe('readiness without health checks', () => {
  it('serves the app once it accepts connections', async () => {
    expect(await get()).toEqual({ status: 200, body: 'flaky app\n' });
  });

  it('a config:set whose container dies right after it opened its port fails, and the old release keeps serving every request', async () => {
    const before = await releases();
    let result: Awaited<ReturnType<typeof daemon.paas>> | undefined;
    const load = await loadDuring(get, async () => {
      result = await daemon.paas(['config:set', 'flaky', 'CRASH_AFTER=0.2']);
    });
    expect(result!.code).not.toBe(0);
    expect(result!.stderr).toMatch(/web\.1 exited (with code 3 while starting|while starting \(Docker restarted it\))/);
    expect(load.failures).toEqual([]);
    expect(await releases()).toEqual(before);
    expect((await get('/cgi-bin/env')).body).not.toContain('CRASH_AFTER');
  });

  it('the next change deploys normally', async () => {
    await daemon.paasOk(['config:unset', '--no-restart', 'flaky', 'CRASH_AFTER']);
    const output = await daemon.paasOk(['config:set', 'flaky', 'STEADY=1']);
    expect(output).toContain('Retiring 1 old container');
    expect((await get('/cgi-bin/env')).body).toContain('STEADY=1\n');
  });
});

describe('image reuse', () => {
  const BUILDS = 'Building flaky from Dockerfile';
  const REUSED = /Reusing the image of build \d+: the source tree and build settings are unchanged/;

  it('paas deploy and ps:rebuild of an unchanged tree reuse the image; --force builds', async () => {
    const again = await daemon.paasOk(['deploy', 'flaky']);
    expect(again).toMatch(REUSED);
    expect(again).not.toContain(BUILDS);
    expect(await daemon.paasOk(['ps:rebuild', 'flaky'])).toMatch(REUSED);
    expect(await daemon.paasOk(['deploy', '--force', 'flaky'])).toContain(BUILDS);
    expect((await get('/cgi-bin/env')).body).toContain('STEADY=1\n');
  });

  it('a changed build setting builds again', async () => {
    await daemon.paasOk(['builder-dockerfile:set', 'flaky', 'build-args', 'STEADY']);
    expect(await daemon.paasOk(['deploy', 'flaky'])).toContain(BUILDS);
    expect(await daemon.paasOk(['deploy', 'flaky'])).toMatch(REUSED);
  });

  it('a push of changed files builds; a push of the same tree reuses', async () => {
    writeFileSync(join(tree.dir, 'www', 'index.html'), 'flaky app v2\n');
    await tree.git('commit', '-qam', 'v2');
    const changed = await tree.git('push', remote, 'main');
    expect(changed.stderr).toContain(BUILDS);
    expect(await get()).toEqual({ status: 200, body: 'flaky app v2\n' });
    await tree.git('commit', '-q', '--allow-empty', '-m', 'same tree');
    const same = await tree.git('push', remote, 'main');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(REUSED);
  });
});
