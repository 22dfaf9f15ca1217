import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { contextPath, readTarEntries } from '../build/build-context.js';
import type { Builder, BuildRequest, BuildResult } from '../build/builder.js';
import { BUILDER_TOPIC } from '../build/builder-properties.js';
import type { FlagSpec } from '../core/command.js';
import { APP_LOCK } from '../core/apps.js';
import { UserError, oneLine } from '../core/errors.js';
import { readProperty } from '../core/properties.js';
import type { CodeTrust } from '../core/events.js';
import type { PartApi } from '../core/part.js';
import { archiveToFile, git } from '../git/run-git.js';
import { appendGitDir } from '../git/git-dir.js';
import { deployBranches } from '../git/deploy-branch.js';
import { keepGitDir, revEnvVar } from '../git/git-settings.js';
import { buildPhaseOverrides } from '../docker-options/app-options.js';
import { formatOption, type DockerOption } from '../docker-options/option-parser.js';
import type { AppRow } from '../store/apps.js';
import type { ReleaseRow } from '../store/releases.js';
import type { AppLocks } from './app-lock.js';
import { parseAppJson } from './app-json.js';
import { buildFingerprint, buildSettings, loadReusable, saveReusable, type ReusableBuild } from './build-reuse.js';
import { DeployLog } from './deploy-log.js';
import { appFilePaths, pendingScale, setPendingScale, SETTING } from './deploy-settings.js';
import { formationFor } from './formation.js';
import { LABELS, imageRepository } from './naming.js';
import { parseProcfile } from './procfile.js';
import type { ReleaseManager } from './release-manager.js';
import type { DockerLocalScheduler } from './scheduler.js';
import { assertBuildSpace, diskOf, isNoSpace, localDockerRoot, noSpaceMessage, type BuildDisk } from '../maintenance/disk-space.js';

export interface DeploySource {
  rev: string;
  /** Where git finds the revision's objects (the quarantine during a push). */
  gitEnv: NodeJS.ProcessEnv;
  /** Who wrote the code; a rebuild of stored code counts as remote, whoever asks for it. */
  codeTrust: CodeTrust;
}

export interface DeployRequest {
  app: AppRow;
  source: DeploySource;
  output: Writable;
  actor: string;
  signal: AbortSignal;
  /** Build even when the last image could be reused (`paas deploy --force`). */
  force?: boolean;
}

/** `paas deploy --force`, `paas ps:rebuild --force`: build even when the last image could be reused. */
export const FORCE_BUILD_FLAG: Record<string, FlagSpec> = {
  force: { type: 'boolean', description: 'build again even if the source tree and build settings are unchanged' },
};

function buildDir(setting: string | undefined): string {
  return setting ? contextPath(setting, 'build-dir') : '';
}
const DEFAULT_PORT = 5000;

export const SOURCE_TARBALL = /^build-(\d+)\.tar$/;

function sourceTarball(tmpDir: string, buildId: number): string {
  return join(tmpDir, `build-${buildId}.tar`);
}

/**
 * The pushed source of builds a stopped daemon left behind (each build removes its own when it
 * ends). Run at start, before any build. Returns how many were removed.
 */
export function removeLeftoverSources(tmpDir: string): number {
  let names: string[];
  try {
    names = readdirSync(tmpDir);
  } catch {
    return 0;
  }
  const leftovers = names.filter((name) => SOURCE_TARBALL.test(name));
  for (const name of leftovers) rmSync(join(tmpDir, name), { force: true });
  return leftovers.length;
}

/** The deploy pipeline's first half: receive the code, build the image, then publish a release. */
export class Deployer {
  constructor(
    private readonly api: PartApi,
    private readonly docker: Docker,
    private readonly releases: ReleaseManager,
    private readonly locks: AppLocks,
    private readonly scheduler: DockerLocalScheduler,
  ) {}

  private readonly cancels = new Map<number, AbortController>();

  deploy(request: DeployRequest): Promise<ReleaseRow> {
    const { app, source } = request;
    if (this.api.store.properties.get(app.id, APP_LOCK.namespace, APP_LOCK.key) === 'true') {
      return Promise.reject(new UserError(`${app.name} is locked for deploys (apps:lock); unlock it with: paas apps:unlock ${app.name}`));
    }
    return this.locks.withLock(app.id, app.name, `deploying ${source.rev.slice(0, 7)}`, async () => {
      const canceled = new AbortController();
      this.cancels.set(app.id, canceled);
      try {
        return await this.build({ ...request, signal: AbortSignal.any([request.signal, canceled.signal]) });
      } finally {
        // After git:unlock --force another deploy may have registered its own.
        if (this.cancels.get(app.id) === canceled) this.cancels.delete(app.id);
      }
    });
  }

  /** builds:cancel: stops the app's running build or deploy; false when none runs. */
  cancel(appId: number): boolean {
    const running = this.cancels.get(appId);
    if (!running) return false;
    running.abort(new UserError('the build was canceled (builds:cancel)'));
    return true;
  }

  private async build({ app, source, output, actor, signal, force }: DeployRequest): Promise<ReleaseRow> {
    const { store, paths } = this.api;
    // Before anything is written: a full disk refuses the build with nothing half-made.
    const disks = await this.buildDisks();
    assertBuildSpace(disks, this.api.settings.buildMinFree);
    const build = store.builds.start(app.id, source.rev, actor);
    const log = new DeployLog(output, join(paths.buildLogs, `${build.id}.log`));
    mkdirSync(paths.tmp, { recursive: true, mode: 0o700 });
    const tarPath = sourceTarball(paths.tmp, build.id);
    const buildTag = `${imageRepository(this.api.instance, app.name)}:build-${build.id}`;
    try {
      const maxBytes = 4 * this.api.settings.maxPushSize;
      await archiveToFile(source.rev, tarPath, { env: source.gitEnv, maxBytes });
      const withGitDir = keepGitDir(store.properties, app.id);
      if (withGitDir) {
        const branch = deployBranches(store, app.id)[0];
        await appendGitDir(tarPath, { rev: source.rev, branch, gitEnv: source.gitEnv, tmpDir: paths.tmp, maxBytes });
      }
      const revVar = revEnvVar(store.properties, app.id);
      const { options: buildOptions, docker } = buildPhaseOverrides(store.properties, app.id, this.api.instance);
      const subdir = buildDir(readProperty(store.properties, BUILDER_TOPIC, 'build-dir', app));
      const inBuildDir = (file: string) => (subdir ? `${subdir}/${file}` : file);
      const request: BuildRequest = {
        app,
        buildId: build.id,
        tarPath,
        codeTrust: source.codeTrust,
        subdir,
        tag: buildTag,
        labels: { [LABELS.instance]: this.api.instance },
        config: store.configVars.effective(app.id),
        buildEnv: revVar ? { [revVar]: source.rev } : {},
        ...(docker ? { docker } : {}),
        network: this.scheduler.network,
        serviceNetworks: this.scheduler.serviceNetworks(app.id),
        step: (text) => log.step(text),
        detail: (text) => log.detail(text),
        signal,
      };
      log.step(`Receiving ${app.name} ${source.rev.slice(0, 7)} (build ${build.id})`);
      if (withGitDir) log.detail('Keeping the .git folder in the build (git:set keep-git-dir true)');
      if (buildOptions.length) log.detail(`Build options (docker-options): ${buildOptions.map(formatOption).join(' ')}`);
      const appFiles = appFilePaths(store.properties, app.id);
      const custom = store.properties.effective(app.id, SETTING.procfilePath.namespace, SETTING.procfilePath.key);
      const files = await readTarEntries(tarPath, [inBuildDir(appFiles.procfile), inBuildDir(appFiles.appJson)]);
      const appJsonText = files.get(inBuildDir(appFiles.appJson))?.toString('utf8') ?? null;
      const appJson = appJsonText === null ? undefined : parseAppJson(appJsonText);
      const builder = await this.selectBuilder(request);
      const fingerprint = await this.fingerprint(builder, request, source, withGitDir, buildOptions);
      const reused = force || !fingerprint ? undefined : await this.reusable(app, fingerprint);
      let built: BuildResult;
      let image = buildTag;
      if (reused) {
        log.step(`Reusing the image of build ${reused.buildId}: the source tree and build settings are unchanged`);
        log.detail(`(paas deploy ${app.name} --force builds again)`);
        built = reused.result;
        image = reused.imageId;
      } else {
        await this.scheduler.ensureNetwork();
        built = await builder.build(request);
      }
      const procfileText = files.get(inBuildDir(appFiles.procfile))?.toString('utf8');
      // A buildpack build reads the Procfile its slug ends with, unless ps:set procfile-path names another.
      const fromSlug = custom ? undefined : built.procfile;
      const procfile = fromSlug ?? (procfileText === undefined ? {} : parseProcfile(procfileText));
      const types = Object.keys(procfile).length ? procfile : built.defaultProcessTypes;
      // builds:cancel (or a caller gone) during the build: nothing is published.
      signal.throwIfAborted();
      const previous = store.releases.current(app.id);
      const pending = pendingScale(store.properties, app.id);
      const release = await this.releases.publish(
        app,
        {
          appId: app.id,
          image,
          config: store.configVars.effective(app.id),
          formation: formationFor(types, { previous: previous?.formation, pending, appJson: appJson?.formation ?? {} }),
          port: built.exposedPorts.length === 1 ? built.exposedPorts[0] : DEFAULT_PORT,
          gitRev: source.rev,
          buildId: build.id,
          appJson: appJsonText,
          description: `Deploy ${source.rev.slice(0, 7)}`,
          actor,
          releaseCommand: types.release ?? null,
          runScripts: true,
        },
        log,
      );
      setPendingScale(store.properties, app.id, undefined);
      store.builds.finish(build.id, 'succeeded', { builder: builder.name, image: release.image });
      if (fingerprint) {
        const origin = reused ?? { buildId: build.id, builder: builder.name, imageId: built.imageId };
        saveReusable(store.properties, app.id, { ...origin, fingerprint, result: built });
      }
      return release;
    } catch (caught) {
      const error = isNoSpace(caught)
        ? new UserError(noSpaceMessage(diskOf(caught, disks), undefined, this.api.settings.buildMinFree))
        : caught;
      try {
        store.builds.finish(build.id, 'failed');
      } catch (finishing) {
        // A full disk may refuse even this write; SQLite keeps the database as it was.
        if (!isNoSpace(finishing)) throw finishing;
      }
      log.step(`Deploy failed: ${oneLine(error instanceof Error ? error.message : String(error))}`);
      if (!(error instanceof UserError)) throw error;
      throw new UserError(`${error.message} (full log: paas builds:output ${app.name} ${build.id})`, error.exitCode);
    } finally {
      rmSync(tarPath, { force: true });
      await this.docker
        .getImage(buildTag)
        .remove({ noprune: false })
        .catch(() => undefined);
    }
  }

  private dockerRoot: Promise<string | undefined> | undefined;

  /** Where a build writes: PAAS_HOME, and Docker's data root when Docker runs on this host. */
  private async buildDisks(): Promise<BuildDisk[]> {
    this.dockerRoot ??= localDockerRoot(this.docker, this.api.settings.dockerHost);
    const root = await this.dockerRoot;
    return [{ label: 'PAAS_HOME', path: this.api.paths.home }, ...(root ? [{ label: "Docker's data root", path: root }] : [])];
  }

  /** The fingerprint of what this build would make; undefined when the builder cannot tell. */
  private async fingerprint(
    builder: Builder,
    request: BuildRequest,
    source: DeploySource,
    withGitDir: boolean,
    dockerOptions: readonly DockerOption[],
  ): Promise<string | undefined> {
    if (!builder.inputs) return undefined;
    const treeish = request.subdir ? `${source.rev}:${request.subdir}` : `${source.rev}^{tree}`;
    const tree = (await git(['rev-parse', '--verify', '--quiet', treeish], { env: source.gitEnv }).catch(() => '')).trim();
    if (!tree) return undefined;
    return buildFingerprint({
      tree,
      subdir: request.subdir,
      builder: builder.name,
      inputs: await builder.inputs(request),
      // A kept .git folder holds the commit itself, not only its tree.
      ...(withGitDir ? { gitDir: source.rev } : {}),
      ...(dockerOptions.length ? { dockerOptions } : {}),
      settings: buildSettings(this.api.store.properties, request.app.id),
    });
  }

  /** The last build of the app, if it had this fingerprint and its image still exists. */
  private async reusable(app: AppRow, fingerprint: string): Promise<ReusableBuild | undefined> {
    const last = loadReusable(this.api.store.properties, app.id);
    if (last?.fingerprint !== fingerprint) return undefined;
    return (await this.docker
      .getImage(last.imageId)
      .inspect()
      .then(
        () => true,
        () => false,
      ))
      ? last
      : undefined;
  }

  private async selectBuilder(request: BuildRequest): Promise<Builder> {
    const chosen = readProperty(this.api.store.properties, BUILDER_TOPIC, 'selected', request.app);
    const builder = await this.api.builders.select(request, chosen);
    if (builder) return builder;
    if (chosen) {
      throw new UserError(`the selected builder "${chosen}" does not exist; pick one of: ${this.api.builders.names().join(', ')}`);
    }
    throw new UserError(
      `no builder can build this code (tried: ${this.api.builders.names().join(', ')}); add a Dockerfile to the build folder ` +
        `(the repository root, or builder:set ${request.app.name} build-dir)`,
    );
  }
}
