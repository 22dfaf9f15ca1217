import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { PartApi } from '../core/part.js';
import { SOURCE_TARBALL } from '../deploy/deployer.js';
import { LABELS } from '../deploy/naming.js';
import type { AppRow } from '../store/apps.js';
import type { BuildRow } from '../store/builds.js';

/** builds:set retention: how many finished builds (records and logs) each app keeps. */
export const BUILD_RETENTION = { namespace: 'builds', key: 'retention' } as const;
export const DEFAULT_BUILD_RETENTION = 20;

/**
 * Containers and images younger than this are left alone: a `paas run` container exists
 * stopped for a moment between its creation and its start.
 */
const MIN_AGE = '10m';

export interface CleanupReport {
  containers: number;
  images: number;
  buildLogs: number;
  sources: number;
  /** Bytes freed on disk (Docker's count for containers and images, file sizes for the rest). */
  bytes: number;
}

/** The finished builds past the newest `keep` finished ones; `builds` newest first. Pure. */
export function buildsBeyondRetention(builds: readonly BuildRow[], keep: number): BuildRow[] {
  return builds.filter((build) => build.status !== 'running').slice(keep);
}

/** The retention of an app's builds: its own setting, the global one, or the default. */
export function buildRetention(api: Pick<PartApi, 'store'>, appId: number): number {
  const setting = Number(api.store.properties.effective(appId, BUILD_RETENTION.namespace, BUILD_RETENTION.key));
  return Number.isInteger(setting) && setting > 0 ? setting : DEFAULT_BUILD_RETENTION;
}

/**
 * Frees what this daemon made and no longer needs: its stopped one-off and build containers,
 * its dangling images, build records and logs past the retention, and the sources of builds
 * that no longer run. Never touches another daemon's objects, a running build or a release image.
 */
export async function cleanup(api: Pick<PartApi, 'store' | 'paths' | 'instance'>, docker: Docker, only?: AppRow): Promise<CleanupReport> {
  const report: CleanupReport = { containers: 0, images: 0, buildLogs: 0, sources: 0, bytes: 0 };
  const instance = `${LABELS.instance}=${api.instance}`;
  const ofApp = only ? [`${LABELS.appId}=${only.id}`] : [];
  for (const role of ['one-off', 'build']) {
    const label = [instance, `${LABELS.role}=${role}`, ...ofApp];
    const pruned = (await docker.pruneContainers({ filters: { label, until: [MIN_AGE] } })) as PrunedContainers;
    report.containers += pruned.ContainersDeleted?.length ?? 0;
    report.bytes += pruned.SpaceReclaimed ?? 0;
  }
  const images = (await docker.pruneImages({
    filters: { dangling: ['true'], label: [instance, ...ofApp], until: [MIN_AGE] },
  })) as PrunedImages;
  report.images = (images.ImagesDeleted ?? []).filter((entry) => entry.Deleted).length;
  report.bytes += images.SpaceReclaimed ?? 0;

  const running = api.store.builds.runningIds();
  const old: number[] = [];
  for (const app of only ? [only] : api.store.apps.list()) {
    old.push(...buildsBeyondRetention(api.store.builds.forApp(app.id), buildRetention(api, app.id)).map((build) => build.id));
  }
  api.store.builds.removeFinished(old);
  if (only) {
    // One app: only its own old builds; orphans and sources are the server's to clean.
    for (const id of old) report.bytes += remove(join(api.paths.buildLogs, `${id}.log`));
    report.buildLogs = old.length;
    return report;
  }
  const known = api.store.builds.allIds();
  for (const name of list(api.paths.buildLogs)) {
    const id = /^(\d+)\.log$/.exec(name)?.[1];
    if (id === undefined || known.has(Number(id))) continue;
    report.bytes += remove(join(api.paths.buildLogs, name));
    report.buildLogs++;
  }
  for (const name of list(api.paths.tmp)) {
    const id = SOURCE_TARBALL.exec(name)?.[1];
    if (id === undefined || running.has(Number(id))) continue;
    report.bytes += remove(join(api.paths.tmp, name));
    report.sources++;
  }
  return report;
}

/** One line for people: what was removed and how much space it freed. Pure. */
export function describeCleanup(report: CleanupReport, size: (bytes: number) => string): string {
  const parts = [
    [report.containers, 'stopped one-off container'],
    [report.images, 'dangling image'],
    [report.buildLogs, 'old build log'],
    [report.sources, 'leftover build source'],
  ] as const;
  const removed = parts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}${count === 1 ? '' : 's'}`);
  return removed.length ? `Removed ${removed.join(', ')}: freed ${size(report.bytes)}` : 'Nothing to remove: freed 0 B';
}

interface PrunedContainers {
  ContainersDeleted?: string[] | null;
  SpaceReclaimed?: number;
}

interface PrunedImages {
  ImagesDeleted?: Array<{ Deleted?: string; Untagged?: string }> | null;
  SpaceReclaimed?: number;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes a file and returns its size (0 when it was already gone). */
function remove(path: string): number {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return 0;
  }
  rmSync(path, { force: true });
  return size;
}
