import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type Docker from 'dockerode';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { flagValues } from '../../core/args.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../../core/output.js';
import { readProperty } from '../../core/properties.js';
import { renderReport } from '../../core/reports.js';
import { dockerMessage, statusOf } from '../../docker/errors.js';
import { SWARM_TOPIC } from '../scheduler-topics.js';
import { dockerOptions } from '../../docker/client.js';
import type { DeployServices } from '../services.js';
import { localRegistryAddress, usesLocalRegistry } from '../image-registry.js';
import { CERTS_DIR, installRegistryCa } from '../registry-trust.js';

const require = createRequire(import.meta.url);

interface NodeInfo {
  ID: string;
  Version: { Index: number };
  Spec: { Role: string; Availability: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

/** dockerode's options for a node's Docker host: ssh://USER@HOST[:PORT], or what DOCKER_HOST takes. Pure. */
export function dockerHostOptions(url: string): Docker.DockerOptions {
  const ssh = /^ssh:\/\/(?:([^@/:]+)@)?([^:/@]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (ssh) return { protocol: 'ssh', host: ssh[2], port: Number(ssh[3] ?? 22), username: ssh[1] ?? 'root' };
  try {
    if (url) return dockerOptions(url);
  } catch {
    // refused below with the forms nodes:add takes
  }
  throw new UserError(`invalid Docker host "${printable(url)}"; use unix:///path, tcp://HOST:2375 or ssh://USER@HOST`);
}

/** `KEY=VALUE` node labels. Pure. */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const match = /^([A-Za-z0-9][A-Za-z0-9_.-]*)=([A-Za-z0-9_.:-]*)$/.exec(value);
    if (!match) throw new UserError(`invalid label "${printable(value)}"; use KEY=VALUE, like zone=eu1`);
    labels[match[1]] = match[2]!;
  }
  return labels;
}

function describe(node: NodeInfo): Record<string, string> {
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? '',
    address: node.Status?.Addr ?? '',
    role: node.ManagerStatus?.Leader ? 'manager (leader)' : node.Spec.Role,
    state: node.Status?.State ?? '',
    availability: node.Spec.Availability,
    labels: Object.entries(node.Spec.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    engine: node.Description?.Engine?.EngineVersion ?? '',
  };
}

/** nodes:*: the servers of the swarm the swarm scheduler runs apps on. */
export function registerNodesCommands(services: DeployServices): void {
  const { api, docker } = services;
  const { commands, store } = api;

  async function nodes(): Promise<NodeInfo[]> {
    await services.swarm.ensureManager();
    return (await docker.listNodes()) as NodeInfo[];
  }

  async function findNode(name: string): Promise<NodeInfo> {
    const all = await nodes();
    const found = all.filter((n) => n.ID === name || n.ID.startsWith(name) || n.Status?.Addr === name || n.Description?.Hostname === name);
    if (found.length === 1) return found[0];
    if (found.length > 1) throw new UserError(`"${printable(name)}" names ${found.length} nodes; give its ID (paas nodes:list)`);
    throw new UserError(`no node "${printable(name)}"; see paas nodes:list`);
  }

  /** This engine as a swarm manager: starts the swarm on first use. Returns the manager's address. */
  async function managerAddress(): Promise<string> {
    const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; NodeAddr?: string; ControlAvailable?: boolean } };
    if (info.Swarm?.LocalNodeState === 'active') {
      if (!info.Swarm.ControlAvailable) throw new UserError("this server's Docker Engine is a swarm worker; paas must run on a manager");
      return info.Swarm.NodeAddr!;
    }
    const address = readProperty(store.properties, SWARM_TOPIC, 'manager-address', 0);
    if (!address) {
      throw new UserError(
        'the swarm is not started yet; first tell paas the address nodes reach this server at: paas scheduler-swarm:set --global manager-address IP',
      );
    }
    try {
      await docker.swarmInit({ ListenAddr: `${address}:2377`, AdvertiseAddr: address });
    } catch (error) {
      throw new UserError(`starting the swarm on ${address} failed: ${dockerMessage(error)}`);
    }
    return address;
  }

  commands.register({
    name: 'nodes:add',
    summary: 'Join a server to the swarm the swarm scheduler runs apps on',
    usage: '[DOCKER_HOST --address IP] [--label KEY=VALUE]...',
    description: [
      'paas joins the server by talking to its Docker Engine at DOCKER_HOST (unix:///path, tcp://HOST:2375 or ssh://USER@HOST),',
      'with --address the IP the other nodes reach it at. Without DOCKER_HOST it prints the `docker swarm join` command to run',
      'on the new server yourself. The first node starts the swarm on this server (scheduler-swarm:set --global manager-address).',
      'Every node must be able to pull from the registry of registry:set: with DOCKER_HOST, paas installs the CA of its own',
      'registry (registry:set --global server local) on the node; without, it prints how to copy it. For a plain-HTTP registry',
      "of your own, list it in insecure-registries in each node's /etc/docker/daemon.json.",
      'The DOCKER_HOST form runs only as root on the server (the local socket).',
    ].join('\n'),
    examples: ['paas nodes:add ssh://root@10.0.0.2 --address 10.0.0.2 --label zone=eu1', 'paas nodes:add'],
    flags: {
      address: { type: 'string', description: 'the IP address the other nodes reach the new node at', placeholder: 'IP' },
      label: {
        type: 'string',
        description: 'a node label for placement constraints (repeatable)',
        placeholder: 'KEY=VALUE',
        repeatable: true,
      },
    },
    arity: [0, 1],
    async handler({ args: [host], flags, stdout, stderr, actor }) {
      if (host !== undefined && actor.transport !== 'socket') {
        throw new UserError(
          'nodes:add DOCKER_HOST makes the daemon connect to any Docker Engine or socket: run it as root on the server, or run `paas nodes:add` for the join command',
        );
      }
      const labels = parseLabels(flagValues(flags.label));
      const address = typeof flags.address === 'string' ? flags.address : undefined;
      if (host !== undefined && (address === undefined || isIP(address) === 0)) {
        throw new UserError('nodes:add DOCKER_HOST needs --address IP: the address the other nodes reach the new node at');
      }
      const options = host === undefined ? undefined : dockerHostOptions(host);
      if (host === undefined && Object.keys(labels).length)
        throw new UserError('--label needs DOCKER_HOST (label a node joined by hand with nodes:label)');
      const manager = await managerAddress();
      const swarm = (await docker.swarmInspect()) as { JoinTokens: { Worker: string } };
      const registry = localRegistryAddress(store.properties, manager);
      if (options === undefined) {
        writeLine(stdout, 'Run this on the new server (its Docker Engine must reach this one on TCP 2377, 7946 and UDP 4789):');
        writeLine(stdout, `  docker swarm join --token ${swarm.JoinTokens.Worker} ${manager}:2377`);
        if (usesLocalRegistry(store.properties)) {
          const caPath = services.swarm.localRegistry.paths.caCert;
          await services.swarm.localRegistry.ca();
          writeLine(stdout, `and make it trust paas's registry (${registry}) with the CA in ${caPath} on this server, for example:`);
          writeLine(stdout, `  ssh root@NEW-SERVER mkdir -p ${CERTS_DIR}/${registry}`);
          writeLine(stdout, `  scp ${caPath} root@NEW-SERVER:${CERTS_DIR}/${registry}/ca.crt`);
        }
        return;
      }
      const DockerClass = require('dockerode') as typeof Docker;
      const remote = new DockerClass(options);
      try {
        await remote.swarmJoin({
          ListenAddr: `${address}:2377`,
          AdvertiseAddr: address,
          RemoteAddrs: [`${manager}:2377`],
          JoinToken: swarm.JoinTokens.Worker,
        });
      } catch (error) {
        throw new UserError(`${printable(host!)} could not join the swarm: ${dockerMessage(error)}`);
      }
      const nodeId = ((await remote.info()) as { Swarm?: { NodeID?: string } }).Swarm?.NodeID;
      if (nodeId && Object.keys(labels).length) {
        const node = docker.getNode(nodeId);
        const info = (await node.inspect()) as NodeInfo;
        await node.update({ version: info.Version.Index, ...info.Spec, Labels: { ...info.Spec.Labels, ...labels } });
      }
      writeLine(stdout, `-----> ${address} joined the swarm as a worker${nodeId ? ` (node ${nodeId.slice(0, 12)})` : ''}`);
      // Scoped to that one host:port, so harmless while the apps use another registry.
      try {
        await installRegistryCa(remote, registry, await services.swarm.localRegistry.ca());
        writeLine(stdout, `-----> ${address} trusts paas's registry at ${registry} (${CERTS_DIR}/${registry}/ca.crt)`);
      } catch (error) {
        // The node joined all the same: say how to finish by hand rather than fail.
        writeLine(
          stderr,
          ` !     ${error instanceof Error ? error.message : String(error)}; for paas's registry (registry:set ... server local), ` +
            `copy ${services.swarm.localRegistry.paths.caCert} to ${CERTS_DIR}/${registry}/ca.crt on ${address}`,
        );
      }
    },
  });

  commands.register({
    name: 'nodes:list',
    summary: 'List the nodes of the swarm',
    usage: '[--format text|json]',
    examples: ['paas nodes:list', 'paas nodes:list --format json'],
    flags: FORMAT_FLAG,
    arity: [0, 0],
    async handler({ flags, stdout }) {
      const rows = (await nodes()).map(describe);
      if (flags.format === 'json') return writeJson(stdout, rows);
      stdout.write(
        renderTable(
          ['ID', 'HOSTNAME', 'ADDRESS', 'ROLE', 'STATE', 'AVAILABILITY', 'LABELS'],
          rows.map((r) => [r.id.slice(0, 12), r.hostname, r.address, r.role, r.state, r.availability, r.labels]),
        ),
      );
    },
  });

  commands.register({
    name: 'nodes:report',
    summary: 'Show the details of one node or every node',
    usage: '[NODE]',
    description: 'NODE is a node ID (or its start), hostname or address.',
    examples: ['paas nodes:report', 'paas nodes:report 10.0.0.2'],
    arity: [0, 1],
    async handler({ args: [name], stdout }) {
      const list = name === undefined ? await nodes() : [await findNode(name)];
      for (const node of list) {
        const d = describe(node);
        stdout.write(
          renderReport(
            `${d.address || d.id} node information`,
            Object.entries(d).map(([k, v]) => [`Node ${k}`, v]),
          ),
        );
      }
    },
  });

  commands.register({
    name: 'nodes:label',
    summary: 'Set or remove labels of a node (for scheduler-swarm placement)',
    usage: 'NODE KEY=VALUE|KEY...',
    description: 'KEY=VALUE sets a label, a bare KEY removes it.',
    examples: ['paas nodes:label 10.0.0.2 zone=eu1', 'paas nodes:label 10.0.0.2 zone'],
    arity: [2, Infinity],
    async handler({ args: [name, ...changes], stdout }) {
      const set = parseLabels(changes.filter((c) => c.includes('=')));
      const unset = changes.filter((c) => !c.includes('='));
      const bad = unset.find((key) => !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(key));
      if (bad !== undefined) throw new UserError(`invalid label key "${printable(bad)}"`);
      const node = await findNode(name);
      const labels = { ...node.Spec.Labels, ...set };
      for (const key of unset) delete labels[key];
      await docker.getNode(node.ID).update({ version: node.Version.Index, ...node.Spec, Labels: labels });
      writeLine(
        stdout,
        `-----> Labels of ${node.Status?.Addr ?? node.ID}: ${
          Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || 'none'
        }`,
      );
    },
  });

  commands.register({
    name: 'nodes:remove',
    summary: 'Move the tasks off a node and remove it from the swarm',
    usage: 'NODE',
    description:
      'The node is drained first (Swarm starts its tasks elsewhere), then removed. Its engine still believes it is in the swarm: ' +
      'run `docker swarm leave` on it.',
    examples: ['paas nodes:remove 10.0.0.2'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const node = await findNode(name);
      if (node.Spec.Role === 'manager') throw new UserError('that node is a manager; paas removes worker nodes only');
      await docker.getNode(node.ID).update({ version: node.Version.Index, ...node.Spec, Availability: 'drain' });
      writeLine(stdout, `-----> Draining ${node.Status?.Addr ?? node.ID}`);
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const tasks = (await docker.listTasks({ filters: { node: [node.ID], 'desired-state': ['running'] } })) as unknown[];
        if (tasks.length === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      await docker
        .getNode(node.ID)
        .remove({ force: true })
        .catch((error: unknown) => {
          if (statusOf(error) !== 404) throw new UserError(`removing the node failed: ${dockerMessage(error)}`);
        });
      writeLine(stdout, `-----> Removed ${node.Status?.Addr ?? node.ID} from the swarm`);
    },
  });
}
