/**
 * A three-node Docker Swarm made of test-started Docker Engines, for the swarm suite.
 *
 * Nothing here touches the machine's own Docker Engine: each node is a dockerd with its own
 * data root, exec root, pid file, socket and cgroup parent, running in a network namespace the
 * test makes. The namespaces hang off a bridge inside one more namespace (the "lan"), so their
 * traffic never crosses the host's iptables; the host reaches them through one veth
 * (10.231.0.1/24) and a route to the manager's container subnets. The cluster's registry is
 * Debian's docker-registry on the host end of that veth. Machine-wide names are fixed: leftovers
 * of a killed run are removed before a new cluster starts, and destroy() removes everything even
 * after a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './harness.js';

export const BASE = '/tmp/paas-swarm-test';
const LAN = 'paas-sw-lan';
const HOST_IF = 'paassw0';
const SUBNET = '10.231.0';
export const HOST_ADDRESS = `${SUBNET}.1`;
/** The manager's own container networks (docker-local apps on the manager), routed from the host. */
const MANAGER_POOL = '10.233.0.0/16';
const REGISTRY_PORT = 5999;
const NODES = 3;

export interface ClusterNode {
  name: string;
  netns: string;
  address: string;
  /** DOCKER_HOST of its engine. */
  host: string;
  dir: string;
}

export interface SwarmCluster {
  manager: ClusterNode;
  workers: ClusterNode[];
  nodes: ClusterNode[];
  /** host:port of the cluster's registry (plain HTTP; every engine trusts it). */
  registry: string;
  /** The docker CLI against one node's engine. */
  docker(node: ClusterNode, args: readonly string[]): Promise<RunResult>;
  /** Stops a node's engine (its containers stop with it). */
  stopEngine(node: ClusterNode): Promise<void>;
  destroy(): Promise<void>;
}

async function must(command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nodeOf(index: number): ClusterNode {
  const name = `node${index}`;
  const dir = join(BASE, name);
  return { name, netns: `paas-sw-${index}`, address: `${SUBNET}.${index + 1}`, host: `unix://${join(dir, 'docker.sock')}`, dir };
}

const cgroupParent = (node: ClusterNode) => `paas-swarm-test-${node.name}`;

function pidFrom(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function terminate(pid: number | undefined, graceMs: number): Promise<void> {
  if (pid === undefined || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(200);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Every process in the test's cgroups (the node engines' containers), found in the pids controller. */
function cgroupProcesses(parent: string): number[] {
  const root = join('/sys/fs/cgroup/pids', parent);
  const pids: number[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    try {
      pids.push(...readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      // gone meanwhile
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(root);
  return pids;
}

function removeCgroups(parent: string): void {
  let controllers: string[] = [];
  try {
    controllers = readdirSync('/sys/fs/cgroup');
  } catch {
    return;
  }
  const removeTree = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeTree(join(dir, entry.name));
    try {
      rmdirSync(dir);
    } catch {
      // still busy or not a cgroup directory
    }
  };
  for (const controller of controllers) removeTree(join('/sys/fs/cgroup', controller, parent));
}

/** Removes every trace of a cluster (this run's or a killed earlier one's). */
export async function cleanupCluster(): Promise<void> {
  const nodes = Array.from({ length: NODES }, (_, i) => nodeOf(i + 1));
  // Workers first, the manager last: each engine stops its own containers.
  await Promise.all(nodes.slice(1).map((node) => terminate(pidFrom(join(node.dir, 'dockerd.pid')), 20_000)));
  await terminate(pidFrom(join(nodes[0]!.dir, 'dockerd.pid')), 20_000);
  for (const node of nodes) {
    const pids = await run('ip', ['netns', 'pids', node.netns]);
    if (pids.code === 0) killAll(pids.stdout.split('\n').filter(Boolean).map(Number));
    killAll(cgroupProcesses(cgroupParent(node)));
  }
  await terminate(pidFrom(join(BASE, 'registry.pid')), 5000);
  await sleep(300);
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((path) => path.startsWith(`${BASE}/`))
    .sort()
    .reverse();
  for (const path of mounts) await run('umount', ['-l', path]);
  for (const node of nodes) removeCgroups(cgroupParent(node));
  await run('ip', ['route', 'del', MANAGER_POOL, 'via', nodes[0]!.address]);
  for (const node of nodes) await run('ip', ['netns', 'del', node.netns]);
  await run('ip', ['netns', 'del', LAN]);
  await run('ip', ['link', 'del', HOST_IF]);
  rmSync(BASE, { recursive: true, force: true });
}

function engineConfigFile(node: ClusterNode): string {
  const file = join(node.dir, 'daemon.json');
  writeFileSync(file, '{}\n');
  return file;
}

async function startEngine(node: ClusterNode, registry: string): Promise<void> {
  mkdirSync(node.dir, { recursive: true });
  const log = openSync(join(node.dir, 'dockerd.log'), 'a');
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${node.netns}`,
      'dockerd',
      // Its own (empty) settings file: the machine's daemon.json (live-restore, address pools, set
      // by install.sh) is for the shared engine, and live-restore refuses Swarm mode.
      '--config-file',
      engineConfigFile(node),
      '--data-root',
      join(node.dir, 'data'),
      '--exec-root',
      join(node.dir, 'exec'),
      '--pidfile',
      join(node.dir, 'dockerd.pid'),
      '-H',
      node.host,
      '--cgroup-parent',
      cgroupParent(node),
      '--insecure-registry',
      registry,
      '--default-address-pool',
      `base=${MANAGER_POOL},size=24`,
      '--log-level',
      'warn',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  const deadline = Date.now() + 60_000;
  while ((await run('docker', ['-H', node.host, 'version'])).code !== 0) {
    if (Date.now() > deadline)
      throw new Error(`the engine of ${node.name} did not start:\n${readFileSync(join(node.dir, 'dockerd.log'), 'utf8')}`);
    await sleep(300);
  }
}

async function makeNetwork(nodes: readonly ClusterNode[]): Promise<void> {
  await must('ip', ['netns', 'add', LAN]);
  const inLan = (...args: string[]) => must('ip', ['-n', LAN, ...args]);
  await inLan('link', 'add', 'br0', 'type', 'bridge');
  await inLan('link', 'set', 'br0', 'up');
  await must('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', 'host', 'netns', LAN]);
  await must('ip', ['addr', 'add', `${HOST_ADDRESS}/24`, 'dev', HOST_IF]);
  await must('ip', ['link', 'set', HOST_IF, 'up']);
  await inLan('link', 'set', 'host', 'master', 'br0', 'up');
  for (const node of nodes) {
    await must('ip', ['netns', 'add', node.netns]);
    const inNode = (...args: string[]) => must('ip', ['-n', node.netns, ...args]);
    await inNode('link', 'set', 'lo', 'up');
    await must('ip', ['-n', node.netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', node.name, 'netns', LAN]);
    await inNode('addr', 'add', `${node.address}/24`, 'dev', 'eth0');
    await inNode('link', 'set', 'eth0', 'up');
    await inNode('route', 'add', 'default', 'via', HOST_ADDRESS);
    await inLan('link', 'set', node.name, 'master', 'br0', 'up');
  }
}

function startRegistry(registry: string): void {
  const config = join(BASE, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(BASE, 'registry')}`,
      'http:',
      `  addr: ${registry}`,
      '',
    ].join('\n'),
  );
  const log = openSync(join(BASE, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', config], { detached: true, stdio: ['ignore', log, log] });
  child.on('error', () => undefined);
  child.unref();
  writeFileSync(join(BASE, 'registry.pid'), String(child.pid ?? ''));
}

/** Makes the machines: network, registry, three engines (paas starts the swarm); the test base image loaded on the manager. */
export async function startCluster(baseImage: string): Promise<SwarmCluster> {
  for (const tool of ['docker-registry', 'nsenter', 'dockerd']) {
    if ((await run('sh', ['-c', 'command -v "$1"', 'sh', tool])).code !== 0) {
      throw new Error(`${tool} is missing: the swarm suite needs it (docker-registry is in .ci/test-packages)`);
    }
  }
  await cleanupCluster();
  mkdirSync(BASE, { recursive: true, mode: 0o700 });
  const nodes = Array.from({ length: NODES }, (_, i) => nodeOf(i + 1));
  const [manager, ...workers] = nodes as [ClusterNode, ...ClusterNode[]];
  const registry = `${HOST_ADDRESS}:${REGISTRY_PORT}`;
  const docker = (node: ClusterNode, args: readonly string[]) => run('docker', ['-H', node.host, ...args], { timeoutMs: 300_000 });
  const cluster: SwarmCluster = {
    manager,
    workers,
    nodes,
    registry,
    docker,
    async stopEngine(node) {
      await terminate(pidFrom(join(node.dir, 'dockerd.pid')), 30_000);
    },
    destroy: cleanupCluster,
  };
  try {
    await makeNetwork(nodes);
    startRegistry(registry);
    await Promise.all(nodes.map((node) => startEngine(node, registry)));
    // docker-local containers on the manager are reached from the host like on a real manager.
    await must('ip', ['route', 'add', MANAGER_POOL, 'via', manager.address]);
    const saved = join(BASE, 'base-image.tar');
    await must('docker', ['save', '-o', saved, baseImage]);
    const loaded = await docker(manager, ['load', '-i', saved]);
    if (loaded.code !== 0) throw new Error(`loading ${baseImage} into the manager failed: ${loaded.stderr}`);
    rmSync(saved, { force: true });
    return cluster;
  } catch (error) {
    await cleanupCluster();
    throw error;
  }
}
