// Longer than 300 lines: one build container's life in order (detect, compile, release, commit), with the error paths of each step beside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { contextStream, readTarEntry } from '../build-context.js';
import type { Builder, BuildRequest, BuildResult } from '../builder.js';
import { UserError, oneLine } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import type { Paths } from '../../daemon/settings.js';
import { parseProcfile } from '../../deploy/procfile.js';
import { LABELS } from '../../deploy/naming.js';
import type { Store } from '../../store/store.js';
import { buildAppImage } from './app-image.js';
import { BUILD_PATHS, BuildContainer } from './build-container.js';
import { skeletonTar, tarHasDirectory } from './build-inputs.js';
import { buildpackDirName } from './buildpack-url.js';
import { buildpacksRoot, detectionSummary } from './builtin.js';
import { fetchBuildpack, type FetchedBuildpack } from './fetch-buildpack.js';
import { ReleaseYamlError, parseReleaseYaml, type ReleaseInfo } from './release-yaml.js';
import { selectBuildpacks, type BuildpackSelection } from './selection.js';
import { SETTINGS, buildpackList, cacheVolumeName, privateUrlsAllowed } from './settings.js';
import { BUILD_PROCESS_TYPE, formatMemory, resourceLimits, type ResourceLimits } from '../../deploy/resource-limits.js';
import { ensureStackImages, stackImagesReady } from './stack.js';
import { buildContainerHost } from '../../docker-options/build-overrides.js';
import { APP_UID, STACK_LABELS } from './stack-definition.js';

export interface BuildpackBuilderDeps {
  docker: Docker;
  store: Store;
  paths: Paths;
  instance: string;
}

/** The stack a build uses: where buildpacks compile, and what the app image is made FROM. */
export interface ResolvedStack {
  build: string;
  run: string;
  /** `default` or `app setting` / `global setting`. */
  origin: string;
}

export const BUILD_EXIT = { noneDetected: 10, notApplicable: 11 } as const;
/** How buildpacks (and the driver) start a line that explains a failure. */
const PROBLEM = ' !     ';

/**
 * Heroku's classic buildpacks, run as herokuish does but with our own driver: the app and the
 * buildpacks go into a container of the build stack, bin/detect, bin/compile and bin/release run
 * as an unprivileged user with the app's cache volume, and the compiled app is copied onto the run
 * stack as the app image.
 */
export class BuildpackBuilder implements Builder {
  readonly name = 'buildpacks';

  constructor(private readonly deps: BuildpackBuilderDeps) {}

  /** The fallback builder: whatever the Dockerfile builder does not take is built with buildpacks. */
  async detect(): Promise<boolean> {
    return true;
  }

  /**
   * Buildpacks see every config var (ENV_DIR), and who pushed decides which buildpacks may run.
   * The commit (GIT_REV, in buildEnv) is left out: a new commit of the same tree reuses the image,
   * as the processes get the current commit at run time anyway (`paas deploy --force` builds).
   */
  inputs(request: BuildRequest): unknown {
    return { config: { ...request.config, ...request.docker?.buildArgs }, codeTrust: request.codeTrust };
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const started = Date.now();
    const { app, tarPath } = request;
    const subdir = await this.buildDir(request);
    const buildpacksFile = await readTarEntry(tarPath, subdir ? `${subdir}/.buildpacks` : '.buildpacks');
    const allowPrivateUrls = privateUrlsAllowed(this.deps.store.properties);
    const selection = selectBuildpacks(
      {
        buildpackUrl: request.config.BUILDPACK_URL,
        configured: buildpackList(this.deps.store.properties, app.id),
        buildpacksFile: buildpacksFile?.toString('utf8'),
      },
      { codeTrust: request.codeTrust, allowPrivateUrls },
    );
    request.step(`Building ${app.name} with buildpacks${subdir ? ` from ${subdir}/` : ''}`);
    if (selection.from !== 'detection') {
      request.detail(`Buildpacks from ${selection.from}: ${selection.sources.map((s) => s.url).join(', ')}`);
    }
    const stack = await this.resolveStack(app.id, request);
    request.detail(`Stack: ${stack.build} (build), ${stack.run} (run)`);
    const fetched: FetchedBuildpack[] = [];
    for (const source of selection.sources) {
      fetched.push(
        await fetchBuildpack(source, {
          cacheDir: join(this.deps.paths.home, 'buildpacks-cache'),
          onLine: request.detail,
          allowPrivateUrls,
        }),
      );
    }
    const limits = resourceLimits(this.deps.store.properties, app.id, BUILD_PROCESS_TYPE);
    const docker = request.docker;
    const extraNetwork = docker?.network && docker.network !== 'host' ? [docker.network] : [];
    const container = await BuildContainer.create(this.deps.docker, {
      image: stack.build,
      labels: { ...docker?.labels, ...this.appLabels(request), [LABELS.role]: 'build' },
      cacheVolume: await this.ensureCacheVolume(request),
      env: [`PAAS_BUILDPACKS_MODE=${selection.mode}`, `PAAS_APP_UID=${APP_UID}`, `PAAS_APP=${app.name}`],
      cmd: ['bash', `${BUILD_PATHS.paas}/driver.sh`],
      limits,
      network: docker?.network === 'host' ? 'host' : request.network,
      serviceNetworks: docker?.network === 'host' ? [] : [...(request.serviceNetworks ?? []), ...extraNetwork],
      ...(docker ? { host: buildContainerHost(docker) } : {}),
    });
    try {
      await fill(container, request, subdir, selection, fetched);
      const release = await this.compile(container, request, { selection, limits });
      request.step(`Making the app image on ${stack.run}`);
      const image = await buildAppImage(this.deps.docker, {
        runImage: stack.run,
        slug: await container.archive(BUILD_PATHS.build),
        release,
        tag: request.tag,
        labels: {
          ...request.docker?.labels,
          ...request.labels,
          // The run stack's own labels would otherwise be inherited and make this look like a stack.
          [STACK_LABELS.role]: '',
          [STACK_LABELS.hash]: '',
        },
        onLine: () => undefined,
        signal: request.signal,
      });
      const procfile = image.procfile === undefined ? {} : parseProcfile(image.procfile);
      describeProcessTypes(request, procfile, release.defaultProcessTypes);
      request.step(`Buildpack build finished in ${Math.round((Date.now() - started) / 100) / 10} s`);
      return { imageId: image.imageId, exposedPorts: [], defaultProcessTypes: release.defaultProcessTypes, procfile };
    } finally {
      await container.remove();
    }
  }

  /** Runs the driver (detect, compile, release) and returns the release, or throws why it failed. */
  private async compile(
    container: BuildContainer,
    request: BuildRequest,
    context: { selection: BuildpackSelection; limits: ResourceLimits },
  ): Promise<ReleaseInfo> {
    const problems: string[] = [];
    const code = await container.run((line) => {
      if (line.startsWith(PROBLEM)) problems.push(line.slice(PROBLEM.length).trim());
      relay(line, request);
    }, request.signal);
    const out = await container.readFiles(BUILD_PATHS.out);
    if (code === 0) return releaseOf(out.get('release.yml'));
    const reason = out.get('failure')?.toString('utf8').trim();
    const problem = problems.filter((line) => line !== reason).pop();
    throw await this.failure({ ...context, code, reason, container, app: request.app.name, problem });
  }

  private appLabels(request: BuildRequest): Record<string, string> {
    return { ...request.labels, [LABELS.app]: request.app.name, [LABELS.appId]: String(request.app.id) };
  }

  /** `builder:set APP build-dir SUBDIR`, checked against the pushed code. */
  private async buildDir(request: BuildRequest): Promise<string> {
    const subdir = request.subdir;
    if (subdir && !(await tarHasDirectory(request.tarPath, subdir))) {
      throw new UserError(
        `the build dir "${printable(subdir)}" is not in the pushed code; ` +
          `change it with: paas builder:set ${request.app.name} build-dir SUBDIR (or clear it with: paas builder:set ${request.app.name} build-dir)`,
      );
    }
    return subdir;
  }

  async resolveStack(appId: number, request?: Pick<BuildRequest, 'step' | 'detail'>): Promise<ResolvedStack> {
    const { properties } = this.deps.store;
    const own = properties.get(appId, SETTINGS.buildpacksNamespace, SETTINGS.stack);
    const custom = own ?? properties.get(null, SETTINGS.buildpacksNamespace, SETTINGS.stack);
    if (custom) {
      const origin = own ? 'app setting' : 'global setting';
      let labels: Record<string, string> | undefined;
      try {
        labels = (await this.deps.docker.getImage(custom).inspect()).Config?.Labels ?? {};
      } catch {
        throw new UserError(
          `the stack image "${printable(custom)}" (${origin}) is not on this server; build or load it first, ` +
            'or go back to the default stack with: paas buildpacks:set-property ' +
            (own ? 'APP' : '--global') +
            ' stack',
        );
      }
      const run = labels[STACK_LABELS.run];
      return { build: custom, run: run && (await this.imageExists(run)) ? run : custom, origin };
    }
    if (request && !(await stackImagesReady(this.deps.docker))) {
      request.step('Preparing the stack images from Debian packages (first build on this server: a few minutes)');
    }
    try {
      const images = await ensureStackImages(
        this.deps.docker,
        request ? (line) => request.detail(line) : () => undefined,
        this.deps.paths.locks,
      );
      return { ...images, origin: 'default' };
    } catch (error) {
      throw new UserError(
        `could not make the stack images (${oneLine(error instanceof Error ? error.message : String(error))}); ` +
          'see the output above, or build on an image of your own: paas buildpacks:set-property --global stack IMAGE',
      );
    }
  }

  private async imageExists(name: string): Promise<boolean> {
    try {
      await this.deps.docker.getImage(name).inspect();
      return true;
    } catch {
      return false;
    }
  }

  /** The app's cache volume, made (with this daemon's labels) on its first build. */
  private async ensureCacheVolume(request: BuildRequest): Promise<string> {
    const name = cacheVolumeName(this.deps.instance, request.app.id);
    try {
      await this.deps.docker.getVolume(name).inspect();
    } catch {
      await this.deps.docker.createVolume({ Name: name, Labels: { ...this.appLabels(request), [LABELS.role]: 'build-cache' } });
    }
    return name;
  }

  /**
   * One line for the pusher: nothing detected (with what was looked for), out of memory, the
   * buildpack's own first ` !     ` line (it says what to do), else what the driver saw fail.
   */
  private async failure(failed: {
    code: number;
    reason: string | undefined;
    selection: BuildpackSelection;
    container: BuildContainer;
    limits: ResourceLimits;
    app: string;
    problem?: string;
  }): Promise<UserError> {
    const { code, app } = failed;
    if (code === BUILD_EXIT.noneDetected && failed.selection.mode === 'detect') {
      return new UserError(
        `no buildpack detected this app; looked for: ${detectionSummary()}. ` +
          `Add one of these, or choose a buildpack with: paas buildpacks:add ${app} URL (or a .buildpacks file)`,
      );
    }
    const state = (await failed.container.container.inspect().catch(() => undefined))?.State;
    if (state?.OOMKilled) {
      const limit = failed.limits.memory ? `its limit of ${formatMemory(failed.limits.memory)}` : 'the memory available';
      return new UserError(
        `the build ran out of memory (${limit}); raise it with: paas resource:limit ${app} --process-type build --memory 2g`,
      );
    }
    if (failed.problem) return new UserError(`build failed: ${failed.problem}`);
    if (failed.reason) return new UserError(`build failed: ${failed.reason}`);
    return new UserError(`build failed: the build container exited with code ${code}`);
  }
}

/** Puts in what the driver works on: the skeleton (dirs, ENV_DIR, driver), the app, the buildpacks. */
async function fill(
  container: BuildContainer,
  request: BuildRequest,
  subdir: string,
  selection: BuildpackSelection,
  fetched: readonly FetchedBuildpack[],
): Promise<void> {
  const dirs = fetched.map((buildpack, i) => ({ dir: buildpackDirName(selection.sources[i], i), url: buildpack.description }));
  const driver = readFileSync(join(buildpacksRoot(), 'lib', 'driver.sh'), 'utf8');
  await container.put(
    BUILD_PATHS.root,
    skeletonTar({ driver, env: { ...request.config, ...request.buildEnv, ...request.docker?.buildArgs }, buildpacks: dirs }),
  );
  await container.put(BUILD_PATHS.build, contextStream(request.tarPath, subdir ? { subdir } : {}));
  for (const [i, buildpack] of fetched.entries()) {
    const { stream, done } = buildpack.archive();
    await container.put(`${BUILD_PATHS.buildpacks}/${dirs[i].dir}`, stream);
    await done;
  }
}

function releaseOf(text: Buffer | undefined): ReleaseInfo {
  try {
    return parseReleaseYaml(text?.toString('utf8') ?? '');
  } catch (error) {
    if (error instanceof ReleaseYamlError)
      throw new UserError(`the buildpack's bin/release printed YAML paas cannot read: ${error.message}`);
    throw error;
  }
}

/** Build output in the deploy log's layout: `-----> ` lines stay headlines, the rest is indented. */
function relay(line: string, request: Pick<BuildRequest, 'step' | 'detail'>): void {
  if (line.startsWith('-----> ')) request.step(line.slice(7));
  else if (line.startsWith('       ')) request.detail(line.slice(7));
  else if (line.startsWith(PROBLEM)) request.detail(`! ${line.slice(PROBLEM.length)}`);
  else request.detail(line);
}

function describeProcessTypes(
  request: Pick<BuildRequest, 'step' | 'detail'>,
  procfile: Record<string, string>,
  defaults: Record<string, string>,
): void {
  request.step('Discovering process types');
  if (Object.keys(procfile).length) request.detail(`Procfile declares types -> ${Object.keys(procfile).join(', ')}`);
  if (Object.keys(defaults).length) {
    request.detail(`Default types for buildpack -> ${Object.keys(defaults).join(', ')}`);
  }
  if (!Object.keys(procfile).length && !Object.keys(defaults).length) {
    request.detail('No process types: add a Procfile with a web process (web: COMMAND)');
  }
}
