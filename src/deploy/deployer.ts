import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { readTarEntry } from '../build/build-context.js';
import type { Builder, BuildRequest } from '../build/builder.js';
import { UserError, oneLine } from '../core/errors.js';
import type { PartApi } from '../daemon/part.js';
import { archiveToFile } from '../git/run-git.js';
import type { AppRow } from '../store/apps.js';
import type { Formation, ReleaseRow } from '../store/releases.js';
import type { AppLocks } from './app-lock.js';
import { DeployLog } from './deploy-log.js';
import { LABELS, imageRepository } from './naming.js';
import { parseProcfile } from './procfile.js';
import { ProcessCheckFailed, type DockerLocalScheduler, type ProcessContainer } from './scheduler.js';
import type { UrlRegistry } from '../core/urls.js';

export interface DeploySource {
  rev: string;
  /** Where git finds the revision's objects (the quarantine during a push). */
  gitEnv: NodeJS.ProcessEnv;
}

export interface DeployRequest {
  app: AppRow;
  source: DeploySource;
  output: Writable;
  actor: string;
  signal: AbortSignal;
}

/** `builder:set APP selected NAME`: which builder builds the app, instead of detection. */
export const SELECTED_BUILDER = { namespace: 'builder', key: 'selected' } as const;
const DEFAULT_PORT = 5000;
const CHECK_TIMEOUT_MS = 60_000;
const CHECK_SETTLE_MS = 2_000;
const RETIRE_GRACE_SECONDS = 10;

/** The deploy pipeline: receive, build, release, start, check, switch, retire. */
export class Deployer {
  constructor(
    private readonly api: PartApi,
    private readonly docker: Docker,
    private readonly scheduler: DockerLocalScheduler,
    private readonly locks: AppLocks,
  ) {}

  deploy(request: DeployRequest): Promise<ReleaseRow> {
    const { app, source } = request;
    return this.locks.withLock(app.id, app.name, `deploying ${source.rev.slice(0, 7)}`, () => this.build(request));
  }

  private async build({ app, source, output, actor, signal }: DeployRequest): Promise<ReleaseRow> {
    const { store, paths } = this.api;
    const build = store.builds.start(app.id, source.rev, actor);
    const log = new DeployLog(output, join(paths.buildLogs, `${build.id}.log`));
    mkdirSync(paths.tmp, { recursive: true });
    const tarPath = join(paths.tmp, `build-${build.id}.tar`);
    try {
      await archiveToFile(source.rev, tarPath, { env: source.gitEnv });
      const repository = imageRepository(this.api.instance, app.name);
      const request: BuildRequest = {
        app,
        buildId: build.id,
        tarPath,
        tag: `${repository}:build-${build.id}`,
        labels: { [LABELS.instance]: this.api.instance, [LABELS.app]: app.name, [LABELS.appId]: String(app.id) },
        config: store.configVars.effective(app.id),
        step: (text) => log.step(text),
        detail: (text) => log.detail(text),
        signal,
      };
      log.step(`Receiving ${app.name} ${source.rev.slice(0, 7)} (build ${build.id})`);
      const builder = await this.selectBuilder(request);
      const built = await builder.build(request);
      const procfileFile = built.procfile ? undefined : await readTarEntry(tarPath, 'Procfile');
      const procfile = built.procfile ?? (procfileFile ? parseProcfile(procfileFile.toString('utf8')) : {});
      const release = await this.release(app, {
        imageId: built.imageId,
        buildTag: request.tag,
        repository,
        formation: formationFor(Object.keys(procfile).length ? procfile : built.defaultProcessTypes),
        port: built.exposedPorts.length === 1 ? built.exposedPorts[0]! : DEFAULT_PORT,
        gitRev: source.rev,
        buildId: build.id,
        description: `Deploy ${source.rev.slice(0, 7)}`,
        actor,
        log,
      });
      store.builds.finish(build.id, 'succeeded', { builder: builder.name, image: release.image });
      return release;
    } catch (error) {
      store.builds.finish(build.id, 'failed');
      log.step(`Deploy failed: ${oneLine(error instanceof Error ? error.message : String(error))}`);
      if (!(error instanceof UserError)) throw error;
      throw new UserError(`${error.message} (full log: paas builds:output ${app.name} ${build.id})`, error.exitCode);
    } finally {
      rmSync(tarPath, { force: true });
    }
  }

  private async selectBuilder(request: BuildRequest): Promise<Builder> {
    const chosen = this.api.store.properties.effective(request.app.id, SELECTED_BUILDER.namespace, SELECTED_BUILDER.key);
    const builder = await this.api.builders.select(request, chosen);
    if (builder) return builder;
    if (chosen) throw new UserError(`the selected builder "${chosen}" does not exist; pick one of: ${this.api.builders.names().join(', ')}`);
    throw new UserError(
      `no builder can build this code (tried: ${this.api.builders.names().join(', ')}); add a Dockerfile at the repository root`,
    );
  }

  private async release(
    app: AppRow,
    details: {
      imageId: string;
      buildTag: string;
      repository: string;
      formation: Formation;
      port: number;
      gitRev: string;
      buildId: number;
      description: string;
      actor: string;
      log: DeployLog;
    },
  ): Promise<ReleaseRow> {
    const { store } = this.api;
    const version = store.releases.nextVersion(app.id);
    const image = `${details.repository}:v${version}`;
    await this.docker.getImage(details.imageId).tag({ repo: details.repository, tag: `v${version}` });
    await this.docker.getImage(details.buildTag).remove().catch(() => undefined);
    const candidate: ReleaseRow = {
      id: 0,
      appId: app.id,
      version,
      image,
      config: store.configVars.effective(app.id),
      formation: details.formation,
      port: details.port,
      gitRev: details.gitRev,
      buildId: details.buildId,
      description: details.description,
      actor: details.actor,
      createdAt: new Date().toISOString(),
    };
    details.log.step(`Releasing ${app.name} v${version}`);
    await this.rollOut(app, candidate, details.log);
    const release = store.releases.add(candidate);
    await this.api.events.emit('post-deploy', { app: app.name, release: release.version, output: details.log.stream });
    await this.printUrls(app, release, details.log);
    return release;
  }

  /** Starts the release beside what runs, checks it, then retires the old containers. */
  private async rollOut(app: AppRow, release: ReleaseRow, log: DeployLog): Promise<void> {
    const old = await this.scheduler.list(app.id);
    const started = [];
    try {
      for (const [type, { count }] of Object.entries(release.formation)) {
        for (let index = 1; index <= count; index++) {
          log.step(`Starting ${type}.${index}`);
          started.push(await this.scheduler.start(app, release, type, index));
        }
      }
      for (const process of started.filter((p) => p.type === 'web')) {
        log.step(`Checking ${process.type}.${process.index}: waiting for it to accept connections on port ${release.port}`);
        await this.scheduler.waitUntilListening(process, release.port, { timeoutMs: CHECK_TIMEOUT_MS, settleMs: CHECK_SETTLE_MS });
      }
    } catch (error) {
      if (error instanceof ProcessCheckFailed && error.logs.trim()) {
        log.step('Last lines of its log:');
        for (const line of error.logs.trimEnd().split('\n')) log.detail(line);
      }
      await this.scheduler.removeNow(started);
      if (old.length) log.step('The previous release keeps running, untouched');
      throw error;
    }
    try {
      await this.api.events.emit('proxy-switch', {
        app: app.name,
        upstreams: webUpstreams(started, release.port),
        log: (line) => log.detail(line),
      });
    } catch (error) {
      await this.scheduler.removeNow(started);
      if (old.length) log.step('The previous release keeps running, untouched');
      throw error;
    }
    if (old.length) {
      log.step(`Retiring ${old.length} old container${old.length === 1 ? '' : 's'}`);
      void this.scheduler.retire(old, RETIRE_GRACE_SECONDS);
    }
  }

  private async printUrls(app: AppRow, release: ReleaseRow, log: DeployLog): Promise<void> {
    const urls = await appUrls(this.api.urls, this.scheduler, app, release.version);
    if (urls.length === 0) return;
    log.banner('Application deployed:');
    for (const url of urls) log.detail(url);
  }
}

export function webUpstreams(processes: readonly ProcessContainer[], port: number): Array<{ host: string; port: number }> {
  return processes.filter((p) => p.type === 'web' && p.ip).map((p) => ({ host: p.ip!, port }));
}

/** Every process type of the Procfile, one container each; without one, the image's CMD as web. */
export function formationFor(procfile: Record<string, string>): Formation {
  const types = Object.entries(procfile).filter(([type]) => type !== 'release');
  if (types.length === 0) return { web: { count: 1, command: null } };
  return Object.fromEntries(types.map(([type, command]) => [type, { count: 1, command }]));
}

/** The proxy's URLs for the app; without any, the loopback ports its web containers publish. */
export async function appUrls(
  registry: UrlRegistry,
  scheduler: DockerLocalScheduler,
  app: { id: number; name: string },
  release: number,
): Promise<string[]> {
  const routed = await registry.of(app.name);
  if (routed.length) return routed;
  const processes = await scheduler.list(app.id);
  return processes
    .filter((p) => p.type === 'web' && p.release === release && p.running && p.hostPort)
    .map((p) => `http://127.0.0.1:${p.hostPort}`);
}
