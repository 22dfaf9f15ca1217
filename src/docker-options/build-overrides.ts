import { bytes, ulimitOf } from './container-overrides.js';
import type { DockerOption } from './option-parser.js';

/**
 * What an app's build-phase docker options change in its builds: build args, labels, /etc/hosts
 * entries, /dev/shm, ulimits, memory and CPU of the build steps, and the network they run on.
 */
export interface BuildOverrides {
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  extraHosts: string[];
  shmSize?: number;
  ulimits: Array<{ Name: string; Soft: number; Hard: number }>;
  memory?: number;
  /** -1: unlimited swap. */
  memorySwap?: number;
  cpus?: number;
  /** `--network NAME` (a network:create name) or `host`. */
  network?: string;
}

const pair = (value: string, at: number) => [value.slice(0, at), value.slice(at + 1)] as const;

/** The build-phase options (already checked by parseOptions) as build settings; undefined when none. Pure. */
export function buildOverridesOf(options: readonly DockerOption[]): BuildOverrides | undefined {
  if (options.length === 0) return undefined;
  const out: BuildOverrides = { buildArgs: {}, labels: {}, extraHosts: [], ulimits: [] };
  for (const { flag, value = '' } of options) {
    switch (flag) {
      case 'build-arg': {
        const [key, arg] = pair(value, value.indexOf('='));
        out.buildArgs[key] = arg;
        break;
      }
      case 'label': {
        const [key, label] = pair(value, value.indexOf('='));
        out.labels[key] = label;
        break;
      }
      case 'add-host':
        out.extraHosts.push(value);
        break;
      case 'shm-size':
        out.shmSize = bytes(value);
        break;
      case 'ulimit':
        out.ulimits.push(ulimitOf(value));
        break;
      case 'memory':
        out.memory = bytes(value);
        break;
      case 'memory-swap':
        out.memorySwap = bytes(value);
        break;
      case 'cpus':
        out.cpus = Number(value);
        break;
      case 'network':
        out.network = value;
        break;
    }
  }
  return out;
}

const CPU_PERIOD = 100_000;

/**
 * The classic build API's parameters for the overrides (dockerode sends them as the query):
 * `ulimits` as JSON text, extra hosts repeated, `--cpus` as a CPU quota per period. `network` is
 * the Docker network the steps run on. Pure.
 */
export function buildApiParams(overrides: BuildOverrides, network: string | undefined): Record<string, unknown> {
  return {
    ...(Object.keys(overrides.labels).length ? { labels: overrides.labels } : {}),
    ...(overrides.extraHosts.length ? { extrahosts: overrides.extraHosts } : {}),
    ...(overrides.shmSize !== undefined ? { shmsize: overrides.shmSize } : {}),
    ...(overrides.ulimits.length ? { ulimits: JSON.stringify(overrides.ulimits) } : {}),
    ...(overrides.memory !== undefined ? { memory: overrides.memory } : {}),
    ...(overrides.memorySwap !== undefined ? { memswap: overrides.memorySwap } : {}),
    ...(overrides.cpus !== undefined ? { cpuperiod: CPU_PERIOD, cpuquota: Math.round(overrides.cpus * CPU_PERIOD) } : {}),
    ...(network ? { networkmode: network } : {}),
  };
}

/** A buildpack build container's HostConfig fields for the overrides (its network is set apart). Pure. */
export function buildContainerHost(overrides: BuildOverrides): Record<string, unknown> {
  return {
    ...(overrides.extraHosts.length ? { ExtraHosts: overrides.extraHosts } : {}),
    ...(overrides.shmSize !== undefined ? { ShmSize: overrides.shmSize } : {}),
    ...(overrides.ulimits.length ? { Ulimits: overrides.ulimits } : {}),
    ...(overrides.memory !== undefined ? { Memory: overrides.memory, MemorySwap: overrides.memorySwap ?? overrides.memory } : {}),
    ...(overrides.memory === undefined && overrides.memorySwap !== undefined ? { MemorySwap: overrides.memorySwap } : {}),
    ...(overrides.cpus !== undefined ? { NanoCpus: Math.round(overrides.cpus * 1e9) } : {}),
  };
}
