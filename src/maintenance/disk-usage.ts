import { readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { PartApi } from '../core/part.js';
import { LABELS, imageRepository } from '../deploy/naming.js';
import { repoPath } from '../git/repositories.js';
import type { AppRow } from '../store/apps.js';

/** What `docker system df -v` reports, the parts paas reads. */
export interface DockerDiskUsage {
  Images?: Array<{
    Id: string;
    RepoTags?: string[] | null;
    Labels?: Record<string, string> | null;
    Size: number;
    SharedSize: number;
  }> | null;
  Containers?: Array<{ Id: string; Labels?: Record<string, string> | null; SizeRw?: number }> | null;
  Volumes?: Array<{ Name: string; Labels?: Record<string, string> | null; UsageData?: { Size: number } | null }> | null;
}

export interface AppDiskUse {
  images: { count: number; bytes: number; unique: number };
  buildCache: number;
  containers: number;
  repository: number;
  buildLogs: number;
}

/** An app's share of Docker's disk use: its images, containers and build cache volumes. Pure. */
export function appDockerUse(df: DockerDiskUsage, instance: string, app: Pick<AppRow, 'id' | 'name'>) {
  const owned = (labels: Record<string, string> | null | undefined) =>
    labels?.[LABELS.instance] === instance && labels[LABELS.appId] === String(app.id);
  const repository = `${imageRepository(instance, app.name)}:`;
  const images = (df.Images ?? []).filter(
    (image) => owned(image.Labels) || (image.RepoTags ?? []).some((tag) => tag.startsWith(repository)),
  );
  return {
    images: {
      count: images.length,
      bytes: sum(images.map((image) => image.Size)),
      // SharedSize is -1 when Docker did not compute it.
      unique: sum(images.map((image) => (image.SharedSize >= 0 ? image.Size - image.SharedSize : image.Size))),
    },
    containers: sum((df.Containers ?? []).filter((c) => owned(c.Labels)).map((c) => c.SizeRw ?? 0)),
    buildCache: sum(
      (df.Volumes ?? [])
        .filter((v) => owned(v.Labels) && v.Labels?.[LABELS.role] === 'build-cache')
        .map((v) => Math.max(0, v.UsageData?.Size ?? 0)),
    ),
  };
}

export async function appDiskUse(
  api: Pick<PartApi, 'store' | 'paths' | 'instance'>,
  df: DockerDiskUsage,
  app: AppRow,
): Promise<AppDiskUse> {
  const logs = api.store.builds.forApp(app.id).map((build) => join(api.paths.buildLogs, `${build.id}.log`));
  return {
    ...appDockerUse(df, api.instance, app),
    repository: treeSize(repoPath(api.paths, app.name)),
    buildLogs: sum(logs.map(treeSize)),
  };
}

/** Asks Docker for its disk use at most every few seconds: `paas report` asks once per app. */
export function cachedDiskUsage(docker: Docker, maxAgeMs = 10_000): () => Promise<DockerDiskUsage> {
  let last: { at: number; value: Promise<DockerDiskUsage> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > maxAgeMs) {
      const value = (docker.df() as Promise<DockerDiskUsage>).catch(() => ({}));
      last = { at: Date.now(), value };
    }
    return last.value;
  };
}

/** Bytes of a file, or of every file under a folder (symlinks not followed); 0 when missing. */
export function treeSize(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  return sum(readdirSync(path).map((name) => treeSize(join(path, name))));
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
