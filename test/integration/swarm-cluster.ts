/**
 * A three-node Docker Swarm made of test-started Docker Engines, for the swarm suite.
 *
 * Nothing here touches the machine's own Docker Engine: each node is a dockerd with its own
 * data root, exec root, pid file, socket and cgroup parent, running in a network namespace the
 * test makes. The namespaces hang off a bridge inside one more namespace (the "lan"), so their
 * traffic never crosses the host's iptables; the host reaches them through one veth
 * (10.231.0.1/24) and a route to the manager's container subnets. The cluster's registry is
 * Debian's docker-registry on the host end of that veth (plain HTTP, an insecure registry of every
 * engine); paas's own registry listens on that address too (PAAS_REGISTRY, TLS). The engines share
 * the machine's /etc/docker/certs.d, where paas installs its CA. Machine-wide names are fixed: leftovers
 * of a killed run are removed before a new cluster starts, and destroy() removes everything even
 * after a failure.
 */
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { run, type RunResult } from './harness.js';
import {
  enginePid,
  killEngines,
  loadImage,
  must,
  pidFrom,
  removeEngineCgroups,
  requireTools,
  startEngine,
  terminate,
  unmountUnder,
  type NetnsEngine,
} from './netns-engine.js';

export const BASE = '/tmp/paas-swarm-test';
const LAN = 'paas-sw-lan';
const HOST_IF = 'paassw0';
const SUBNET = '10.231.0';
export const HOST_ADDRESS = `${SUBNET}.1`;
/** The manager's own container networks (docker-local apps on the manager), routed from the host. */
const MANAGER_POOL = '10.233.0.0/16';
const REGISTRY_PORT = 5999;
/** Where the registry paas runs on the manager listens (registry:set --global local-address): not an insecure registry of the engines. */
export const PAAS_REGISTRY = `${HOST_ADDRESS}:5998`;
/** The CA files paas installs in the engines' /etc/docker/certs.d, which the test engines share with the machine. */
const TRUSTED = [PAAS_REGISTRY, `${SUBNET}.2:5000`];
const NODES = 3;

export type ClusterNode = NetnsEngine;

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

function nodeOf(index: number): ClusterNode {
  const name = `node${index}`;
  const dir = join(BASE, name);
  return {
    name,
    netns: `paas-sw-${index}`,
    address: `${SUBNET}.${index + 1}`,
    host: `unix://${join(dir, 'docker.sock')}`,
    dir,
    cgroupParent: `paas-swarm-test-${name}`,
  };
}

/** Removes every trace of a cluster (this run's or a killed earlier one's). */
export async function cleanupCluster(): Promise<void> {
  const nodes = Array.from({ length: NODES }, (_, i) => nodeOf(i + 1));
  // Workers first, the manager last: each engine stops its own containers.
  await Promise.all(nodes.slice(1).map((node) => terminate(enginePid(node), 20_000)));
  await terminate(enginePid(nodes[0]!), 20_000);
  await killEngines(nodes);
  await terminate(pidFrom(join(BASE, 'registry.pid')), 5000);
  await unmountUnder(BASE);
  removeEngineCgroups(nodes);
  await run('ip', ['route', 'del', MANAGER_POOL, 'via', nodes[0]!.address]);
  for (const node of nodes) await run('ip', ['netns', 'del', node.netns]);
  await run('ip', ['netns', 'del', LAN]);
  await run('ip', ['link', 'del', HOST_IF]);
  rmSync(BASE, { recursive: true, force: true });
  for (const server of TRUSTED) rmSync(join('/etc/docker/certs.d', server), { recursive: true, force: true });
}

/** A node's engine: its own (empty) settings, since the machine's daemon.json (live-restore, address
 * pools, set by install.sh) is for the shared engine, and live-restore refuses Swarm mode. */
function startNode(node: ClusterNode, registry: string): Promise<void> {
  return startEngine(node, {}, ['--insecure-registry', registry, '--default-address-pool', `base=${MANAGER_POOL},size=24`]);
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
  await requireTools(['docker-registry', 'nsenter', 'dockerd'], 'swarm');
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
      await terminate(enginePid(node), 30_000);
    },
    destroy: cleanupCluster,
  };
  try {
    await makeNetwork(nodes);
    startRegistry(registry);
    await Promise.all(nodes.map((node) => startNode(node, registry)));
    // docker-local containers on the manager are reached from the host like on a real manager.
    await must('ip', ['route', 'add', MANAGER_POOL, 'via', manager.address]);
    await loadImage(manager, baseImage, BASE);
    return cluster;
  } catch (error) {
    await cleanupCluster();
    throw error;
  }
}
