import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, run, startDaemon, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;

beforeAll(async () => {
  daemon = await startDaemon();
});
afterAll(async () => {
  await daemon?.destroy();
});

const webContainer = async () =>
  (await run('docker', ['ps', '-q', '--filter', 'label=paas.app=lively', '--filter', 'label=paas.process=web'])).stdout.trim();
const startedAt = async (id: string) => (await run('docker', ['inspect', '-f', '{{.State.StartedAt}}', id])).stdout.trim();

describe('app.json liveness checks', () => {
  it('restart a running container that stops answering', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
    const tree = await appWorkTree('lively');
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/lively.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    const id = await webContainer();
    const before = await startedAt(id);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await startedAt(id)).toBe(before);

    await daemon.paasOk(['enter', 'lively', 'web', 'rm /www/alive.html']);
    const deadline = Date.now() + 60_000;
    while ((await startedAt(id)) === before) {
      if (Date.now() > deadline) throw new Error('the container was not restarted');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await webContainer()).toBe(id);
    const log = await run('grep', ['-c', 'liveness check failed: restarting', `${daemon.home}/logs/paasd.log`]);
    expect(Number(log.stdout.trim())).toBeGreaterThan(0);
  });
});
