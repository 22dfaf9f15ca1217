import { createHash } from 'node:crypto';
import type { BuildResult } from '../build/builder.js';
import type { PropertiesTable } from '../store/properties.js';

/** The last build of an app that may be reused (namespace `build-reuse`, one record per app). */
export const LAST_BUILD = { namespace: 'build-reuse', key: 'last' } as const;

/** Settings namespaces a build reads (builder:set, builder-dockerfile:set, buildpacks:*), per app and global. */
const BUILD_NAMESPACES = ['builder', 'builder-dockerfile', 'buildpacks'] as const;

export interface ReusableBuild {
  fingerprint: string;
  /** The image ID: it outlives release tags as long as one release keeps it. */
  imageId: string;
  buildId: number;
  builder: string;
  result: BuildResult;
}

export interface BuildIdentity {
  /** The git tree of the build dir: the same files give the same hash. */
  tree: string;
  subdir: string;
  builder: string;
  /** What the builder reads besides the files (build args, config vars for buildpacks). */
  inputs: unknown;
  /** Every build setting of the app and the global ones. */
  settings: Record<string, Record<string, string>>;
  /** The commit, when the build keeps its .git folder (git:set keep-git-dir true). */
  gitDir?: string;
  /** The app's build-phase docker options. */
  dockerOptions?: ReadonlyArray<{ flag: string; value?: string }>;
}

/** One hash of everything an image is made from. Pure: same identity, same fingerprint. */
export function buildFingerprint(identity: BuildIdentity): string {
  return createHash('sha256').update(stableJson(identity)).digest('hex');
}

export function buildSettings(properties: PropertiesTable, appId: number): Record<string, Record<string, string>> {
  const settings: Record<string, Record<string, string>> = {};
  for (const namespace of BUILD_NAMESPACES) {
    settings[namespace] = properties.all(appId, namespace);
    settings[`global ${namespace}`] = properties.all(null, namespace);
  }
  return settings;
}

export function loadReusable(properties: PropertiesTable, appId: number): ReusableBuild | undefined {
  const raw = properties.get(appId, LAST_BUILD.namespace, LAST_BUILD.key);
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<ReusableBuild>;
    return typeof value.fingerprint === 'string' && typeof value.imageId === 'string' && value.result
      ? (value as ReusableBuild)
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveReusable(properties: PropertiesTable, appId: number, build: ReusableBuild): void {
  properties.set(appId, LAST_BUILD.namespace, LAST_BUILD.key, JSON.stringify(build));
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
