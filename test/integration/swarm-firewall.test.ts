/**
 * A swarm task reaches the host through Docker's docker_gwbridge, a bridge the paas network's
 * rules do not name: the daemon puts it under its INPUT chain too, so from a task only nginx's
 * ports answer on the server's address, not the daemon's API port.
 *
 * The machine's own dockerd and iptables are never touched: this suite starts a single-node swarm
 * on its own engine (netns-engine.ts) in a network namespace, and runs the paas daemon (and its
 * nginx) inside that namespace, as on a swarm manager, so its iptables rules are the namespace's.
 *
 * Needs exclusive use of: network namespace paas-fw, interface paasfw0, subnet 10.236.0.0/24,
 * /tmp/paas-swarm-firewall-test. Leftovers of a killed earlier run are removed when it starts,
 * everything it made when it ends, also after a failure.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { run, startDaemon, waitUntil, type DaemonHandle } from './harness.js';
import {
  enginePid,
  killEngines,
  loadImage,
  makeEngineNamespace,
  removeEngineCgroups,
  requireTools,
  startEngine,
  terminate,
  unmountUnder,
  type NetnsEngine,
} from './netns-engine.js';

const BASE = '/tmp/paas-swarm-firewall-test';
const HOST_IF = 'paasfw0';
const HOST_ADDRESS = '10.236.0.1';
const engine: NetnsEngine = {
  name: 'swarm firewall engine',
  netns: 'paas-fw',
  address: '10.236.0.2',
  host: `unix://${join(BASE, 'engine', 'docker.sock')}`,
  dir: join(BASE, 'engine'),
  cgroupParent: 'paas-swarm-firewall-test',
};
const FLAGS = ['--default-address-pool', 'base=10.237.0.0/16,size=24'];

let daemon: DaemonHandle | undefined;

async function cleanup(): Promise<void> {
  await terminate(enginePid(engine), 30_000);
  await killEngines([engine]);
  await unmountUnder(BASE);
  removeEngineCgroups([engine]);
  await run('ip', ['netns', 'del', engine.netns]);
  await run('ip', ['link', 'del', HOST_IF]);
  rmSync(BASE, { recursive: true, force: true });
}

const engineDocker = (args: readonly string[]) => run('docker', ['-H', engine.host, ...args]);
const inNetns = (command: string, args: readonly string[]) => run('nsenter', [`--net=/run/netns/${engine.netns}`, command, ...args]);
const inputRules = async () => (await inNetns('iptables', ['-w', '-S', 'INPUT'])).stdout;

beforeAll(async () => {
  await requireTools(['nsenter', 'dockerd', 'ip', 'iptables'], 'swarm-firewall');
  await cleanup();
  try {
    mkdirSync(BASE, { recursive: true, mode: 0o700 });
    await makeEngineNamespace(engine, HOST_IF, HOST_ADDRESS);
    await startEngine(engine, {}, FLAGS);
    await loadImage(engine, BUSYBOX_IMAGE, BASE);
    // A one-node swarm: Docker makes docker_gwbridge for it.
    const init = await engineDocker(['swarm', 'init', '--advertise-addr', engine.address]);
    if (init.code !== 0) throw new Error(`docker swarm init failed: ${init.stderr}`);
    daemon = await startDaemon({
      wrap: ['nsenter', `--net=/run/netns/${engine.netns}`],
      env: { DOCKER_HOST: engine.host, PAAS_LISTEN: engine.address },
    });
  } catch (error) {
    await daemon?.destroy().catch(() => undefined);
    await cleanup();
    throw error;
  }
}, 300_000);

afterAll(async () => {
  await daemon?.destroy().catch(() => undefined);
  await cleanup();
}, 300_000);

describe('a swarm task and the host', () => {
  it("reaches nginx's port on the manager's address but not the daemon's API port; the rule goes when the daemon stops", async () => {
    const d = daemon!;
    const instance = (await run('cat', [join(d.home, 'instance-id')])).stdout.trim();
    expect(await inputRules()).toContain(`-A INPUT -i docker_gwbridge -j PAAS-${instance}`);

    const overlay = await engineDocker(['network', 'create', '-d', 'overlay', 'fwprobe-net']);
    expect(overlay.code, overlay.stderr).toBe(0);
    const service = await engineDocker([
      'service',
      'create',
      '--detach',
      '--no-resolve-image',
      '--name',
      'fwprobe',
      '--network',
      'fwprobe-net',
      BUSYBOX_IMAGE,
      'sleep',
      '3600',
    ]);
    expect(service.code, service.stderr).toBe(0);
    let task = '';
    await waitUntil(
      'the swarm task to run',
      async () => {
        task = (await engineDocker(['ps', '-q', '--no-trunc', '--filter', 'label=com.docker.swarm.service.name=fwprobe'])).stdout.trim();
        return task !== '';
      },
      120_000,
    );
    // Its way out (and to the host) is docker_gwbridge, where Docker lists it (not among its own networks).
    const gateway = (await engineDocker(['network', 'inspect', '--format', '{{json .Containers}}', 'docker_gwbridge'])).stdout;
    expect(Object.keys(JSON.parse(gateway) as object)).toContain(task);

    /** A shell line connecting to the manager's address on `port` with busybox nc: `rc=0` when it connects. */
    const connect = (port: number, nc = 'nc') => `${nc} -w 5 ${engine.address} ${port} </dev/null 2>&1; echo rc=$?`;
    const fromTask = async (port: number) => (await engineDocker(['exec', task, 'sh', '-c', connect(port)])).stdout.trim();
    // The API port is open on that address: from the namespace itself it connects.
    expect((await inNetns('sh', ['-c', connect(d.apiPort, '/bin/busybox nc')])).stdout.trim()).toBe('rc=0');
    // From the task it is refused, while nginx's port connects.
    expect(await fromTask(d.apiPort)).toMatch(/refused[\s\S]*rc=1$/i);
    expect(await fromTask(d.httpPort)).toBe('rc=0');

    await d.stop();
    expect(await inputRules()).not.toContain(`PAAS-${instance}`);
    await d.start();
  }, 300_000);
});
