import type Docker from 'dockerode';
import { parseSize } from '../core/sizes.js';
import { parseRestartPolicy } from '../deploy/restart-policy.js';
import type { DockerOption } from './option-parser.js';

type CreateOptions = Docker.ContainerCreateOptions;
type HostConfig = NonNullable<CreateOptions['HostConfig']>;

/**
 * What an app's docker options change in a container it gets: labels, HostConfig fields, the
 * networks made with network:create it joins, and whether it runs on the host's network.
 */
export interface ContainerOverrides {
  labels: Record<string, string>;
  host: HostConfig;
  /** `--network NAME`: names given to network:create. */
  networks: string[];
  hostNetwork: boolean;
}

/** A checked size option's bytes (`-1`: unlimited). */
export const bytes = (value: string): number => (value === '-1' ? -1 : parseSize(value, 'b')!);

/** A checked `--ulimit NAME=SOFT[:HARD]` as Docker's field. Pure. */
export function ulimitOf(value: string): { Name: string; Soft: number; Hard: number } {
  const [, name, soft, hard] = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value)!;
  return { Name: name, Soft: Number(soft), Hard: Number(hard ?? soft) };
}

/** The options (already checked by parseOptions) as Docker's fields. Pure. */
export function overridesOf(options: readonly DockerOption[]): ContainerOverrides {
  const out: ContainerOverrides = { labels: {}, host: {}, networks: [], hostNetwork: false };
  const host = out.host;
  const logConfig: Record<string, string> = {};
  for (const { flag, value = '' } of options) {
    switch (flag) {
      case 'label': {
        const eq = value.indexOf('=');
        out.labels[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      }
      case 'device': {
        const [hostPath, container, perms] = value.split(':');
        (host.Devices ??= []).push({ PathOnHost: hostPath, PathInContainer: container ?? hostPath, CgroupPermissions: perms ?? 'rwm' });
        break;
      }
      case 'cap-add':
        (host.CapAdd ??= []).push(value);
        break;
      case 'cap-drop':
        (host.CapDrop ??= []).push(value);
        break;
      case 'shm-size':
        host.ShmSize = bytes(value);
        break;
      case 'ulimit':
        (host.Ulimits ??= []).push(ulimitOf(value));
        break;
      case 'add-host': {
        const colon = value.indexOf(':');
        (host.ExtraHosts ??= []).push(`${value.slice(0, colon)}:${value.slice(colon + 1)}`);
        break;
      }
      case 'volume':
        (host.Binds ??= []).push(value);
        break;
      case 'network':
        if (value === 'host') out.hostNetwork = true;
        else if (!out.networks.includes(value)) out.networks.push(value);
        break;
      case 'restart':
        host.RestartPolicy = parseRestartPolicy(value)!;
        break;
      case 'init':
        host.Init = true;
        break;
      case 'privileged':
        host.Privileged = true;
        break;
      case 'log-opt': {
        const eq = value.indexOf('=');
        logConfig[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      }
      case 'memory':
        host.Memory = bytes(value);
        break;
      case 'memory-swap':
        host.MemorySwap = bytes(value);
        break;
      case 'memory-reservation':
        host.MemoryReservation = bytes(value);
        break;
      case 'memory-swappiness':
        host.MemorySwappiness = Number(value);
        break;
      case 'cpus':
        host.NanoCpus = Math.round(Number(value) * 1e9);
        break;
      case 'gpus': {
        const devices = value.startsWith('device=') ? value.slice('device='.length).split(',') : undefined;
        const count = value === 'all' ? -1 : devices ? 0 : Number(value);
        (host.DeviceRequests ??= []).push({
          Driver: '',
          Count: count,
          ...(devices ? { DeviceIDs: devices } : {}),
          Capabilities: [['gpu']],
        });
        break;
      }
    }
  }
  if (Object.keys(logConfig).length) host.LogConfig = { Type: 'json-file', Config: logConfig };
  return out;
}

/**
 * A container spec with the app's docker options laid over paas's own: paas's labels win over
 * the app's, storage and option binds are both kept, a restart policy only applies to process
 * containers (one-offs have none), log options are added to paas's log settings, and
 * `--network host` replaces the paas network. The pid cap and no-new-privileges stay. Pure.
 */
export function applyOverrides(spec: CreateOptions, overrides: ContainerOverrides | undefined): CreateOptions {
  if (!overrides) return spec;
  const base: HostConfig = spec.HostConfig ?? {};
  const { RestartPolicy, LogConfig, Binds, ...rest } = overrides.host;
  const host: HostConfig = { ...base, ...rest };
  if (Binds?.length) host.Binds = [...(base.Binds ?? []), ...Binds];
  if (RestartPolicy && base.RestartPolicy) host.RestartPolicy = RestartPolicy;
  if (LogConfig) host.LogConfig = { Type: 'json-file', Config: { ...(base.LogConfig?.Config ?? {}), ...LogConfig.Config } };
  const result: CreateOptions = { ...spec, Labels: { ...overrides.labels, ...spec.Labels }, HostConfig: host };
  if (overrides.hostNetwork) {
    host.NetworkMode = 'host';
    delete result.NetworkingConfig;
    delete result.ExposedPorts;
  }
  return result;
}
