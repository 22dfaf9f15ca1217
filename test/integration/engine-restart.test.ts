/**
 * The Docker Engine going away and coming back under load, with live-restore on (as install.sh
 * sets it): no request may fail, and paas carries on deploying afterwards.
 *
 * The machine's own dockerd is never stopped: this suite starts its own engine (netns-engine.ts)
 * in a network namespace, with live-restore in its own daemon.json, its own data root, socket and
 * pid file. The paas daemon and its nginx run on the host as usual with DOCKER_HOST pointing at
 * that engine; the host reaches the engine's container networks through one veth and a route, as
 * it would reach them on a one-engine server. The load loop runs on the host through nginx.
 *
 * Needs exclusive use of: network namespace paas-lr, interface paaslr0, subnet 10.234.0.0/24,
 * route 10.235.0.0/16, /tmp/paas-engine-restart-test. Leftovers of a killed earlier run are
 * removed when it starts, everything it made when it ends, also after a failure.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { appWorkTree, loadDuring, run, startDaemon, viaNginx, waitUntil, type DaemonHandle } from './harness.js';
import {
  alive,
  enginePid,
  killEngines,
  loadImage,
  makeEngineNamespace,
  must,
  removeEngineCgroups,
  requireTools,
  sleep,
  startEngine,
  terminate,
  unmountUnder,
  type NetnsEngine,
} from './netns-engine.js';

const BASE = '/tmp/paas-engine-restart-test';
const HOST_IF = 'paaslr0';
const HOST_ADDRESS = '10.234.0.1';
/** The engine's container networks, routed from the host through the namespace. */
const POOL = '10.235.0.0/16';
const HOST = 'web.example.test';
/** One request every 20 ms, as the measurement in the README. */
const PACE_MS = 20;

const engine: NetnsEngine = {
  name: 'live-restore engine',
  netns: 'paas-lr',
  address: '10.234.0.2',
  host: `unix://${join(BASE, 'engine', 'docker.sock')}`,
  dir: join(BASE, 'engine'),
  cgroupParent: 'paas-engine-restart-test',
};
const FLAGS = ['--default-address-pool', `base=${POOL},size=24`];

let daemon: DaemonHandle | undefined;

async function cleanup(): Promise<void> {
  await terminate(enginePid(engine), 30_000);
  // With live-restore the containers outlive their engine: end them too.
  await killEngines([engine]);
  await unmountUnder(BASE);
  removeEngineCgroups([engine]);
  await run('ip', ['route', 'del', POOL, 'via', engine.address]);
  await run('ip', ['netns', 'del', engine.netns]);
  await run('ip', ['link', 'del', HOST_IF]);
  rmSync(BASE, { recursive: true, force: true });
}

async function makeNetwork(): Promise<void> {
  await makeEngineNamespace(engine, HOST_IF, HOST_ADDRESS);
  await must('ip', ['route', 'add', POOL, 'via', engine.address]);
}

const engineDocker = (args: readonly string[]) => run('docker', ['-H', engine.host, ...args]);
const get = (path = '/') => viaNginx(daemon!.httpPort, HOST, path);
/** A request, then the rest of PACE_MS. */
async function pacedGet(): Promise<{ status: number; body: string }> {
  const started = Date.now();
  const reply = await get();
  await sleep(Math.max(0, PACE_MS - (Date.now() - started)));
  return reply;
}

/** The app's containers: id and start time, which live-restore must leave unchanged. */
async function containers(): Promise<string[]> {
  const ids = (await engineDocker(['ps', '-q', '--no-trunc', '--filter', 'label=paas.app=web'])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const inspect = await engineDocker(['inspect', '--format', '{{.Id}} {{.State.StartedAt}}', ...ids]);
  return inspect.stdout.split('\n').filter(Boolean).sort();
}

/** Stops the engine with `signal`, checks it is down while the app still serves, and starts it again. */
async function bounceEngine(signal: 'SIGKILL' | 'SIGTERM', settings: Record<string, unknown>): Promise<void> {
  const pid = enginePid(engine);
  if (pid === undefined) throw new Error('the test engine is not running');
  process.kill(pid, signal);
  await waitUntil('dockerd to exit', async () => !alive(pid), 60_000);
  expect((await engineDocker(['version'])).code).not.toBe(0);
  // Down for a while, as during an upgrade of the engine.
  await sleep(3000);
  await startEngine(engine, settings, FLAGS);
  // paas notices the engine is back (its event stream reconnects) and reconciles.
  await waitUntil('paas to reach the engine again', async () => (await daemon!.paas(['ps:report', 'web'])).code === 0);
  await sleep(5000);
}

beforeAll(async () => {
  await requireTools(['nsenter', 'dockerd', 'ip'], 'engine-restart');
  await cleanup();
  try {
    mkdirSync(BASE, { recursive: true, mode: 0o700 });
    await makeNetwork();
    await startEngine(engine, { 'live-restore': true }, FLAGS);
    await loadImage(engine, BUSYBOX_IMAGE, BASE);
    daemon = await startDaemon({ env: { DOCKER_HOST: engine.host } });
    const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
    await daemon.paasOk(['apps:create', 'web']);
    await daemon.paasOk(['domains:add', 'web', HOST]);
    await daemon.paasOk(['ps:scale', 'web', 'web=2']);
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/web.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    await waitUntil('web to serve', async () => (await get()).status === 200);
  } catch (error) {
    await daemon?.destroy();
    await cleanup();
    throw error;
  }
}, 300_000);

afterAll(async () => {
  try {
    await daemon?.destroy();
  } finally {
    await cleanup();
  }
}, 120_000);

describe('the engine restarts under load with live-restore', () => {
  it('kill -9 of dockerd and starting it again cost no request; the containers are the same', async () => {
    const before = await containers();
    expect(before).toHaveLength(2);
    const load = await loadDuring(pacedGet, () => bounceEngine('SIGKILL', { 'live-restore': true }), 50_000);
    expect(load.failures, daemon!.output().slice(-2000)).toEqual([]);
    expect(load.requests).toBeGreaterThan(200);
    expect(await containers()).toEqual(before);
    // paas noticed the engine was gone (and reconciled when it came back).
    expect(readFileSync(join(daemon!.home, 'logs', 'paasd.log'), 'utf8')).toContain('docker event stream ended; reconnecting');
  });

  it('a clean stop of dockerd (SIGTERM, as `systemctl restart docker`) and its start cost no request', async () => {
    const before = await containers();
    const load = await loadDuring(pacedGet, () => bounceEngine('SIGTERM', { 'live-restore': true }), 50_000);
    expect(load.failures, daemon!.output().slice(-2000)).toEqual([]);
    expect(load.requests).toBeGreaterThan(200);
    expect(await containers()).toEqual(before);
  });

  it('paas deploys on the engine that came back: config:set under load loses no request, ps:restart works', async () => {
    const deploy = await loadDuring(pacedGet, () => daemon!.paasOk(['config:set', 'web', 'AFTER=engine-restart']));
    expect(deploy.failures).toEqual([]);
    expect((await get('/cgi-bin/env')).body).toContain('AFTER=engine-restart\n');
    const before = await containers();
    await daemon!.paasOk(['ps:restart', 'web']);
    // Two new containers; the old ones leave once they have drained.
    await waitUntil('the old containers to leave', async () => {
      const after = await containers();
      return after.length === 2 && after.every((line) => !before.includes(line));
    });
    expect((await get('/cgi-bin/env')).body).toContain('AFTER=engine-restart\n');
  });
});

describe('the same restart without live-restore', () => {
  it('stops the app while the engine is down; paas serves it again once the engine is back, without a push', async () => {
    // The settings take effect at the next start; the engine stops by the settings it runs with.
    await bounceEngine('SIGTERM', {});
    const load = await loadDuring(pacedGet, () => bounceEngine('SIGTERM', {}), 50_000);
    expect(load.failures.length).toBeGreaterThan(0);
    await waitUntil('web to serve again', async () => (await get()).status === 200, 120_000);
    expect((await get('/cgi-bin/env')).body).toContain('AFTER=engine-restart\n');
  });
});
