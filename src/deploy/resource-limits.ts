import { UserError } from '../core/errors.js';
import { formatSize, parseSize } from '../core/sizes.js';
import { printable } from '../core/names.js';
import type { PropertiesTable } from '../store/properties.js';

/** Where `resource:limit` keeps its settings in store.properties, by `TYPE.memory` / `TYPE.cpu`. */
export const RESOURCE_NAMESPACE = 'resource';
/** The limits every process type of an app gets unless its own are set (Dokku's `_default_`). */
export const DEFAULT_PROCESS_TYPE = '_default_';
/** The build container's limits (buildpack builds). */
export const BUILD_PROCESS_TYPE = 'build';

export interface ResourceLimits {
  /** bytes */
  memory?: number;
  /** CPUs, e.g. 1.5 */
  cpu?: number;
}

export function resourceKey(processType: string, resource: 'memory' | 'cpu'): string {
  return `${processType}.${resource}`;
}

export function resourceLimits(properties: PropertiesTable, appId: number, processType: string): ResourceLimits {
  const memory = properties.get(appId, RESOURCE_NAMESPACE, resourceKey(processType, 'memory'));
  const cpu = properties.get(appId, RESOURCE_NAMESPACE, resourceKey(processType, 'cpu'));
  return { ...(memory ? { memory: Number(memory) } : {}), ...(cpu ? { cpu: Number(cpu) } : {}) };
}

/** Docker refuses less. */
const MIN_MEMORY = 6 * 1024 ** 2;

/** `512m`, `1g`, `1.5g`, `300000k`, `2097152b`; a bare number is megabytes (as in Dokku). Pure. */
export function parseMemory(text: string): number {
  const bytes = parseSize(text, 'm');
  if (bytes === undefined) throw new UserError(`invalid memory "${printable(text)}": use a size like 512m or 1g`);
  if (bytes < MIN_MEMORY) throw new UserError(`memory ${printable(text)} is too small: Docker needs at least 6m`);
  return bytes;
}

/** Docker refuses a smaller share of a CPU. */
const MIN_CPU = 0.01;

/**
 * A number of CPUs, e.g. `1`, `0.5`, `2.25`, from 0.01 up to the CPUs the Docker host has (Docker
 * refuses more when a container starts, so it is refused here, when it is set). Pure.
 */
export function parseCpu(text: string, hostCpus = 1024): number {
  const value = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) {
    throw new UserError(`invalid cpu "${printable(text)}": use a number of CPUs like 1 or 0.5`);
  }
  if (value < MIN_CPU) throw new UserError(`cpu ${printable(text)} is too small: Docker needs at least ${MIN_CPU}`);
  if (value > hostCpus) {
    throw new UserError(`cpu ${printable(text)} is more than the ${hostCpus} CPUs this server has; give at most ${hostCpus}`);
  }
  return value;
}

/** 536870912 → `512m`. Pure. */
export const formatMemory = formatSize;

/** A process container's limits: its type's own, else the app's defaults. */
export function processLimits(properties: PropertiesTable, appId: number, processType: string): ResourceLimits {
  return { ...resourceLimits(properties, appId, DEFAULT_PROCESS_TYPE), ...resourceLimits(properties, appId, processType) };
}

/** As Docker's HostConfig wants them. */
export function dockerLimits(limits: ResourceLimits): { Memory?: number; NanoCpus?: number } {
  return {
    ...(limits.memory ? { Memory: limits.memory } : {}),
    ...(limits.cpu ? { NanoCpus: Math.round(limits.cpu * 1e9) } : {}),
  };
}
