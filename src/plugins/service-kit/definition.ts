import type { ServiceRow, ServiceSpec } from './store.js';

/**
 * What makes one kind of service (postgres, redis, ...) different from the others. The kit
 * turns it into the `<plugin>:*` commands, the containers and the links; the plugin adds its own
 * commands (connect, export, import) on top.
 */
export interface ServiceDefinition {
  /** The command topic and the name in Docker objects and messages: `postgres`. */
  plugin: string;
  /** How people call it in sentences: `Postgres`, `Redis`. */
  title: string;
  /** What it is, for help texts: `database`, `key-value store`. */
  noun: string;
  /** The port it listens on inside its network. */
  port: number;
  /** The config var a link sets: DATABASE_URL, REDIS_URL. */
  linkKey: string;
  /** An example service name for help texts: `blog-db`. */
  exampleName: string;
  image: ServiceImage;
  /** Where the data volume is mounted, for an image version. */
  dataPath(version: string): string;
  /** The container's environment and command (undefined: the image's own). */
  container(service: ServiceSpec): { env?: string[]; cmd?: string[] };
  /** The URL a linked app gets, with `host` the service's hostname on its network. */
  url(service: Pick<ServiceRow, 'name' | 'password'>, host: string): string;
  /**
   * A command run in the container that succeeds once the service takes connections as a linked
   * app would; `expect`, when given, must match its output too.
   */
  readiness(service: Pick<ServiceRow, 'name' | 'password'>): { cmd: string[]; env?: string[]; expect?: RegExp };
  /**
   * Why the data on the volume cannot go from image `from` to image `to` with `<plugin>:upgrade`
   * (postgres: another major version), or undefined when it can.
   */
  upgradeRefusal?(from: string, to: string): string | undefined;
  /** More `:info` fields: name, description and value. */
  extraInfo?: Record<string, { description: string; value(service: ServiceRow): string }>;
}

/** Where a service's image comes from: a registry, or made here from Debian packages. */
export interface ServiceImage {
  /** The official image, without tag: `postgres`. */
  official: string;
  /** The default tag, also the one version paas can make without a registry: `15`. */
  defaultVersion: string;
  /** What paas builds when the official image cannot be pulled: `paas/postgres:15`. */
  built?: {
    tag: string;
    /** The build context on the stack's run image (Debian bookworm): Dockerfile and friends. */
    files(runImage: string): Record<string, string | { content: string; mode: number }>;
  };
}
