import { UserError } from '../core/errors.js';
import { parseSize } from '../core/sizes.js';
import { formatOption, type DockerOption } from '../docker-options/option-parser.js';
import { parseRestartPolicy } from './restart-policy.js';

/**
 * What an app's deploy-phase docker options and storage mounts give its Swarm tasks. A task may
 * run on any node, so only what means the same on every node applies: labels, init, capabilities,
 * ulimits, extra hosts, log options, memory and CPU, the restart policy. Host devices,
 * --privileged (Swarm has no such setting), GPUs, host or network:create networks, shm size and
 * swap settings are refused. Storage mounts and `-v` are host folders that exist on one server
 * only: they apply when the app's placement keeps it on the manager (`node.role==manager`),
 * and are refused otherwise.
 */
export interface SwarmExtras {
  /** ContainerSpec fields: Labels, Init, CapabilityAdd/Drop, Ulimits, Hosts, Mounts. */
  container: Record<string, unknown>;
  limits: { MemoryBytes?: number; NanoCPUs?: number };
  reservations: { MemoryBytes?: number };
  logOptions: Record<string, string>;
  restartPolicy: { Name: string; MaximumRetryCount?: number } | undefined;
}

/** Placement that keeps every task on the manager, where storage folders are. */
export const ON_MANAGER = 'node.role==manager';

const bytes = (value: string): number => parseSize(value, 'b')!;

/** Storage binds (`HOST:CONTAINER[:ro]`) as Swarm bind mounts. Pure. */
function bindMount(bind: string): Record<string, unknown> {
  const [source, target, mode] = bind.split(':');
  return { Type: 'bind', Source: source, Target: target, ...(mode === 'ro' ? { ReadOnly: true } : {}) };
}

/** The tasks' share of the options and binds; a UserError naming whatever cannot apply. Pure. */
export function swarmExtras(options: readonly DockerOption[], storage: readonly string[], constraints: readonly string[]): SwarmExtras {
  const out: SwarmExtras = { container: {}, limits: {}, reservations: {}, logOptions: {}, restartPolicy: undefined };
  const c = out.container as {
    Labels?: Record<string, string>;
    CapabilityAdd?: string[];
    CapabilityDrop?: string[];
    Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
    Hosts?: string[];
    Mounts?: Array<Record<string, unknown>>;
  };
  const refused: string[] = [];
  const binds = [...storage];
  for (const option of options) {
    const { flag, value = '' } = option;
    const eq = value.indexOf('=');
    switch (flag) {
      case 'label':
        (c.Labels ??= {})[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      case 'init':
        out.container.Init = true;
        break;
      case 'cap-add':
        (c.CapabilityAdd ??= []).push(value);
        break;
      case 'cap-drop':
        (c.CapabilityDrop ??= []).push(value);
        break;
      case 'ulimit': {
        const [, name, soft, hard] = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value)!;
        (c.Ulimits ??= []).push({ Name: name!, Soft: Number(soft), Hard: Number(hard ?? soft) });
        break;
      }
      case 'add-host': {
        const colon = value.indexOf(':');
        (c.Hosts ??= []).push(`${value.slice(colon + 1)} ${value.slice(0, colon)}`);
        break;
      }
      case 'log-opt':
        out.logOptions[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      case 'memory':
        if (value !== '-1') out.limits.MemoryBytes = bytes(value);
        break;
      case 'memory-reservation':
        out.reservations.MemoryBytes = bytes(value);
        break;
      case 'cpus':
        out.limits.NanoCPUs = Math.round(Number(value) * 1e9);
        break;
      case 'restart':
        out.restartPolicy = parseRestartPolicy(value);
        break;
      case 'volume':
        binds.push(value);
        break;
      default:
        refused.push(formatOption(option));
    }
  }
  if (refused.length) {
    throw new UserError(
      `docker-options that cannot apply to swarm tasks (a task runs on any node): ${refused.join(', ')}; ` +
        'remove them with paas docker-options:remove APP deploy OPTION',
    );
  }
  if (binds.length) {
    if (!constraints.includes(ON_MANAGER)) {
      throw new UserError(
        `storage mounts (${binds.map((b) => b.split(':')[0]).join(', ')}) are folders on this server only, and swarm tasks may run on ` +
          `any node; keep the app on this server with: paas scheduler-swarm:set APP placement ${ON_MANAGER} (or storage:unmount them)`,
      );
    }
    c.Mounts = binds.map(bindMount);
  }
  return out;
}
