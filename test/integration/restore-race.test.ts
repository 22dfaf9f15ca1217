import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, processContainerIds, run, startDaemon, waitUntil, type DaemonHandle } from './harness.js';

/**
 * `ps:set APP restore false` against the reconcile timer. The daemon talks to Docker through a
 * socket relay this test controls, so "dockerd restarted" happens to this daemon alone: the relay
 * cuts every connection (the event stream ends), the app's containers stop as a restart stops
 * them, and Docker answers again but its event stream stays unavailable, so the first to act is
 * the 30 s reconcile timer, not the reconnect. The app must stay down, marked stopped.
 */
const DOCKER_SOCKET = '/var/run/docker.sock';

let daemon: DaemonHandle;
let relay: Server;
let relayDir: string;
let mode: 'up' | 'down' | 'no-events' = 'up';
const open = new Set<Socket>();

function startRelay(path: string): Promise<Server> {
  const server = createServer((client) => {
    if (mode === 'down') return client.destroy();
    const upstream = createConnection(DOCKER_SOCKET);
    open.add(client);
    client.on('close', () => {
      open.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      // Docker is back, but its event stream does not answer yet.
      if (mode === 'no-events' && /^GET \S*\/events/m.test(chunk.toString('latin1'))) return client.destroy();
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

const containerIds = (app: string, filter = 'status=running') => processContainerIds(daemon, app, { all: true, filters: [filter] });

beforeAll(async () => {
  relayDir = mkdtempSync(join(tmpdir(), 'paas-relay-'));
  const socket = join(relayDir, 'docker.sock');
  relay = await startRelay(socket);
  daemon = await startDaemon({ env: { DOCKER_HOST: `unix://${socket}` } });
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  await daemon.paasOk(['apps:create', 'early']);
  const tree = await appWorkTree('hello');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/early.git`, 'main');
  if (push.code !== 0) throw new Error(push.stderr);
}, 180_000);

afterAll(async () => {
  mode = 'up';
  await daemon?.destroy();
  relay?.close();
  for (const socket of open) socket.destroy();
  if (relayDir) rmSync(relayDir, { recursive: true, force: true });
});

describe('ps:set restore false and the reconcile timer', () => {
  it('a Docker restart leaves the app down even when the timer acts before the event stream is back', async () => {
    await daemon.paasOk(['ps:set', 'early', 'restore', 'false']);
    const running = await containerIds('early');
    expect(running.length).toBeGreaterThan(0);

    mode = 'down';
    for (const socket of open) socket.destroy();
    await run('docker', ['stop', '-t', '1', ...running]);
    mode = 'no-events';

    // The timer runs within 30 s: it either starts the app again (the race) or marks it stopped.
    await waitUntil(
      'the reconcile timer to decide about early',
      async () =>
        (await containerIds('early')).length > 0 || (await daemon.paasOk(['ps:report', 'early', '--status'])).trim() === 'stopped',
      60_000,
    );
    expect(await containerIds('early')).toEqual([]);
    expect((await daemon.paasOk(['ps:report', 'early', '--status'])).trim()).toBe('stopped');

    // Once events flow again nothing changes, and ps:start brings it back.
    mode = 'up';
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await containerIds('early')).toEqual([]);
    expect(await daemon.paasOk(['ps:start', 'early'])).toContain('Started early');
    expect((await containerIds('early')).length).toBeGreaterThan(0);
  }, 120_000);
});
