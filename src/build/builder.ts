import type { CodeTrust } from '../core/events.js';
import type { AppRow } from '../store/apps.js';
import type { BuildOverrides } from '../docker-options/build-overrides.js';

/** What a builder gets: the pushed code as a tar, and where to report progress. */
export interface BuildRequest {
  app: AppRow;
  buildId: number;
  /** `git archive` of the pushed revision. */
  tarPath: string;
  /** Who wrote that code: its files may name server folders only when it is `server`. */
  codeTrust: CodeTrust;
  /** `builder:set APP build-dir SUBDIR`: the folder of the tar to build ('' for the root). */
  subdir: string;
  /** The image to produce, e.g. `paas-1a2b3c4d/blog:build-7`. */
  tag: string;
  /** Labels for the image, where they cost no extra build step (the buildpack builder's Dockerfile). */
  labels: Record<string, string>;
  /** The app's merged config; builders decide what the build may see. */
  config: Record<string, string>;
  /**
   * What paas itself tells every build, whatever the builder: the deployed commit under
   * git:set rev-env-var (GIT_REV). A Dockerfile build gets them as build args, buildpacks in ENV_DIR.
   */
  buildEnv: Record<string, string>;
  /**
   * The Docker network build steps run on: the paas network, where the firewall keeps the code
   * being built (a pusher's) away from the host's ports, as it does for the app's containers.
   */
  network: string;
  /**
   * The networks of the services linked to the app (postgres:link). A buildpack build joins them,
   * so it reaches a linked database as on Dokku, whose links apply to builds too. Dockerfile builds
   * do not: Docker runs RUN steps on one network only.
   */
  serviceNetworks?: readonly string[];
  /**
   * The app's build-phase docker options (docker-options:add APP build), with `network` already
   * the Docker network's name (or `host`).
   */
  docker?: BuildOverrides;
  /** A `-----> ` headline. */
  step(text: string): void;
  /** An indented line of build output. */
  detail(text: string): void;
  signal: AbortSignal;
}

export interface BuildResult {
  imageId: string;
  /** The image's EXPOSEd TCP ports; one of them decides PORT. */
  exposedPorts: number[];
  /** Process types the build found (buildpacks' `bin/release`), used when there is no Procfile. */
  defaultProcessTypes: Record<string, string>;
  /** Process types from the app's Procfile, if the builder found one (e.g. in a build-dir). */
  procfile?: Record<string, string>;
}

export interface Builder {
  /** `dockerfile`, `buildpacks`: the value of `builder:set APP selected`. */
  name: string;
  /** Whether this builder applies to the code when none was chosen; asked in registration order. */
  detect(request: BuildRequest): Promise<boolean>;
  build(request: BuildRequest): Promise<BuildResult>;
  /**
   * What the image depends on besides the files and the build settings (build args, config vars
   * the build sees). A build with the same files, settings and inputs reuses the last image;
   * a builder without this method always builds.
   */
  inputs?(request: BuildRequest): unknown | Promise<unknown>;
}

/** The builders parts registered; the first that detects the code builds it, unless one was chosen. */
export class BuilderRegistry {
  private readonly builders: Builder[] = [];

  register(builder: Builder): void {
    this.builders.push(builder);
  }

  /** A disabled plugin's builder: builds that start from now on no longer see it. */
  remove(name: string): void {
    const index = this.builders.findIndex((builder) => builder.name === name);
    if (index >= 0) this.builders.splice(index, 1);
  }

  names(): string[] {
    return this.builders.map((builder) => builder.name);
  }

  find(name: string): Builder | undefined {
    return this.builders.find((builder) => builder.name === name);
  }

  async select(request: BuildRequest, chosen: string | undefined): Promise<Builder | undefined> {
    if (chosen) return this.find(chosen);
    for (const builder of this.builders) if (await builder.detect(request)) return builder;
    return undefined;
  }
}
