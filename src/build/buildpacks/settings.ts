import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import type { PropertiesTable } from '../../store/properties.js';

/** Where the buildpack builder keeps its settings in store.properties. */
export const SETTINGS = {
  builderNamespace: 'builder',
  buildDir: 'build-dir',
  buildpacksNamespace: 'buildpacks',
  list: 'list',
  stack: 'stack',
  resourceNamespace: 'resource',
} as const;

/** The app's buildpacks (buildpacks:add), in order. */
export function buildpackList(properties: PropertiesTable, appId: number): string[] {
  const raw = properties.get(appId, SETTINGS.buildpacksNamespace, SETTINGS.list);
  return raw ? raw.split('\n').filter(Boolean) : [];
}

export function saveBuildpackList(properties: PropertiesTable, appId: number, list: readonly string[]): void {
  properties.set(appId, SETTINGS.buildpacksNamespace, SETTINGS.list, list.length ? list.join('\n') : undefined);
}

/** The named Docker volume that keeps an app's build cache (CACHE_DIR) between builds. */
export function cacheVolumeName(instance: string, appId: number): string {
  return `paas-cache-${instance}-${appId}`;
}

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
  const memory = properties.get(appId, SETTINGS.resourceNamespace, resourceKey(processType, 'memory'));
  const cpu = properties.get(appId, SETTINGS.resourceNamespace, resourceKey(processType, 'cpu'));
  return { ...(memory ? { memory: Number(memory) } : {}), ...(cpu ? { cpu: Number(cpu) } : {}) };
}

const MEMORY_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** Docker refuses less. */
const MIN_MEMORY = 6 * 1024 ** 2;

/** `512m`, `1g`, `1.5g`, `300000k`, `2097152b`; a bare number is megabytes (as in Dokku). Pure. */
export function parseMemory(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg])?b?$/i.exec(text.trim());
  if (!match) throw new UserError(`invalid memory "${printable(text)}": use a size like 512m or 1g`);
  const bytes = Math.floor(Number(match[1]) * MEMORY_UNITS[(match[2] ?? 'm').toLowerCase()]!);
  if (bytes < MIN_MEMORY) throw new UserError(`memory ${printable(text)} is too small: Docker needs at least 6m`);
  return bytes;
}

/** A number of CPUs, e.g. `1`, `0.5`, `2.25`. Pure. */
export function parseCpu(text: string): number {
  const value = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0) || value > 1024) {
    throw new UserError(`invalid cpu "${printable(text)}": use a number of CPUs like 1 or 0.5`);
  }
  return value;
}

/** 536870912 → `512m`. Pure. */
export function formatMemory(bytes: number): string {
  for (const [unit, size] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}

const IMAGE_REFERENCE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

/** A Docker image reference for `buildpacks:set-property stack`. */
export function assertImageReference(image: string): string {
  if (!IMAGE_REFERENCE.test(image) || image.length > 255) {
    throw new UserError(`invalid stack image "${printable(image)}": use an image name like registry.example.com/stacks/mine:1`);
  }
  return image;
}
