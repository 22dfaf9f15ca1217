import { statfsSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { humanSize } from '../core/sizes.js';

/** A place a build writes to: PAAS_HOME (sources, logs, the database) or Docker's data root. */
export interface BuildDisk {
  label: string;
  path: string;
}

/** Free bytes for an unprivileged writer at a path; undefined when it cannot be read (a remote Docker root). */
export function freeBytes(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return undefined;
  }
}

/** The one message a build on a full disk ends with: which disk, what it needs, what to run. Pure. */
export function noSpaceMessage(disk: BuildDisk, free: number | undefined, needed: number): string {
  const have = free === undefined ? 'is full' : `has ${humanSize(free)} free`;
  return (
    `not enough disk space: ${disk.label} (${disk.path}) ${have}, and a build needs at least ${humanSize(needed)}; ` +
    'free some with: paas cleanup (paas report shows what each app uses)'
  );
}

/** Refuses to start a build when a disk it writes to has less than `needed` bytes free. */
export function assertBuildSpace(
  disks: readonly BuildDisk[],
  needed: number,
  free: (path: string) => number | undefined = freeBytes,
): void {
  for (const disk of disks) {
    const bytes = free(disk.path);
    if (bytes !== undefined && bytes < needed) throw new UserError(noSpaceMessage(disk, bytes, needed));
  }
}

/** Whether an error (a file write, git, a Docker build step, SQLite) came from a full disk. Pure. */
export function isNoSpace(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return true;
  return typeof message === 'string' && /no space left on device|database or disk is full|disk quota exceeded/i.test(message);
}

/**
 * The disk a full-disk error happened on: a file, git or SQLite error is PAAS_HOME's, anything
 * else (a Docker build step, an image commit) the Docker root's when there is one. Pure.
 */
export function diskOf(error: unknown, disks: readonly BuildDisk[]): BuildDisk {
  const code = (error as { code?: unknown } | null)?.code;
  const local = code === 'ENOSPC' || code === 'SQLITE_FULL';
  return local ? disks[0] : (disks[1] ?? disks[0]);
}

/** Docker's data root, when Docker runs on this host (its local socket); undefined otherwise. */
export async function localDockerRoot(docker: { info(): Promise<unknown> }, dockerHost: string | undefined): Promise<string | undefined> {
  if (dockerHost && !dockerHost.startsWith('unix://')) return undefined;
  try {
    const root = (await docker.info()) as { DockerRootDir?: string };
    return root.DockerRootDir || undefined;
  } catch {
    return undefined;
  }
}
