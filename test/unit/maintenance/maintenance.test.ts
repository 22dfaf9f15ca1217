import { describe, expect, it } from 'vitest';
import { humanSize } from '../../../src/core/sizes.js';
import { buildsBeyondRetention, describeCleanup } from '../../../src/maintenance/cleanup.js';
import { assertBuildSpace, diskOf, isNoSpace, noSpaceMessage } from '../../../src/maintenance/disk-space.js';
import { appDockerUse } from '../../../src/maintenance/disk-usage.js';
import type { BuildRow } from '../../../src/store/builds.js';

const build = (id: number, status: BuildRow['status']): BuildRow => ({
  id,
  appId: 1,
  gitRev: null,
  status,
  builder: null,
  image: null,
  actor: 'root',
  startedAt: '',
  finishedAt: null,
});

describe('build retention', () => {
  it('keeps the newest finished builds and never a running one', () => {
    const builds = [build(9, 'running'), build(8, 'succeeded'), build(7, 'failed'), build(6, 'succeeded'), build(5, 'failed')];
    expect(buildsBeyondRetention(builds, 2).map((b) => b.id)).toEqual([6, 5]);
    expect(buildsBeyondRetention(builds, 10)).toEqual([]);
    expect(buildsBeyondRetention([build(3, 'running')], 1)).toEqual([]);
  });
});

describe('cleanup report', () => {
  it('names what was removed and what it freed', () => {
    expect(describeCleanup({ containers: 1, images: 2, buildLogs: 0, sources: 0, bytes: 3 * 1024 ** 2 }, humanSize)).toBe(
      'Removed 1 stopped one-off container, 2 dangling images: freed 3.0 MB',
    );
    expect(describeCleanup({ containers: 0, images: 0, buildLogs: 0, sources: 0, bytes: 0 }, humanSize)).toBe(
      'Nothing to remove: freed 0 B',
    );
  });

  it('sizes read like a person writes them', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1536)).toBe('1.5 KB');
    expect(humanSize(200 * 1024 ** 2)).toBe('200 MB');
    expect(humanSize(5 * 1024 ** 4)).toBe('5.0 TB');
  });
});

describe('disk space for builds', () => {
  const disks = [
    { label: 'PAAS_HOME', path: '/var/lib/paas' },
    { label: "Docker's data root", path: '/var/lib/docker' },
  ];

  it('refuses a build when a disk has less than it needs, naming the disk, the space and paas cleanup', () => {
    const free = (path: string) => (path === '/var/lib/docker' ? 10 * 1024 ** 2 : 10 * 1024 ** 3);
    expect(() => assertBuildSpace(disks, 512 * 1024 ** 2, free)).toThrow(
      "not enough disk space: Docker's data root (/var/lib/docker) has 10 MB free, and a build needs at least 512 MB; free some with: paas cleanup (paas report shows what each app uses)",
    );
    expect(() => assertBuildSpace(disks, 1024 ** 2, free)).not.toThrow();
    // A disk paas cannot measure (a remote Docker) does not block builds.
    expect(() => assertBuildSpace(disks, 512 * 1024 ** 2, () => undefined)).not.toThrow();
  });

  it('recognises a full disk in what files, SQLite and Docker builds throw', () => {
    expect(isNoSpace(Object.assign(new Error('write failed'), { code: 'ENOSPC' }))).toBe(true);
    expect(isNoSpace(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isNoSpace(new Error('failed to register layer: write /usr/lib/x: no space left on device'))).toBe(true);
    expect(isNoSpace(new Error('COPY failed: file not found'))).toBe(false);
    expect(isNoSpace('no space left on device')).toBe(false);
  });

  it('puts file errors on PAAS_HOME and Docker errors on its data root', () => {
    expect(diskOf(Object.assign(new Error(), { code: 'ENOSPC' }), disks).label).toBe('PAAS_HOME');
    expect(diskOf(new Error('no space left on device'), disks).label).toBe("Docker's data root");
    expect(diskOf(new Error('no space left on device'), disks.slice(0, 1)).label).toBe('PAAS_HOME');
    expect(noSpaceMessage(disks[0]!, undefined, 1024 ** 2)).toMatch(
      /^not enough disk space: PAAS_HOME \(\/var\/lib\/paas\) is full, and a build needs at least 1\.0 MB/,
    );
  });
});

describe('disk use per app', () => {
  it("counts the app's own images, containers and build cache, nobody else's", () => {
    const mine = { 'paas.instance': 'abcd1234', 'paas.app-id': '3' };
    const use = appDockerUse(
      {
        Images: [
          { Id: 'a', RepoTags: ['paas-abcd1234/blog:v1'], Labels: null, Size: 100, SharedSize: 60 },
          { Id: 'b', RepoTags: [], Labels: mine, Size: 50, SharedSize: -1 },
          { Id: 'c', RepoTags: ['paas-abcd1234/blogger:v1'], Labels: null, Size: 1000, SharedSize: 0 },
          { Id: 'd', RepoTags: ['paas-other000/blog:v1'], Labels: { ...mine, 'paas.instance': 'other000' }, Size: 1000, SharedSize: 0 },
        ],
        Containers: [
          { Id: '1', Labels: mine, SizeRw: 7 },
          { Id: '2', Labels: { ...mine, 'paas.app-id': '4' }, SizeRw: 1000 },
        ],
        Volumes: [
          { Name: 'cache', Labels: { ...mine, 'paas.role': 'build-cache' }, UsageData: { Size: 30 } },
          { Name: 'data', Labels: { ...mine, 'paas.role': 'postgres' }, UsageData: { Size: 1000 } },
        ],
      },
      'abcd1234',
      { id: 3, name: 'blog' },
    );
    expect(use).toEqual({ images: { count: 2, bytes: 150, unique: 90 }, containers: 7, buildCache: 30 });
  });
});
