import type { FastifyPluginAsync } from 'fastify';
import type Docker from 'dockerode';
import type { BuilderRegistry } from '../build/builder.js';
import type { AppNetworkRegistry } from './app-networks.js';
import type { CommandRegistry } from './registry.js';
import type { EventBus } from './events.js';
import type { ReportRegistry } from './reports.js';
import type { UrlRegistry } from './urls.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../daemon/logger.js';
import type { Paths, Settings } from '../daemon/settings.js';

/**
 * What a part (core or plugin) is given: the registries to add to, and the services its
 * handlers use. Like a fastify plugin, each part registers what it owns and nothing else.
 */
export interface PartApi {
  commands: CommandRegistry;
  events: EventBus;
  reports: ReportRegistry;
  /** Builders (Dockerfile, buildpacks): how pushed code becomes an image. */
  builders: BuilderRegistry;
  /** Where each app answers (the proxy adds its domains); `urls` and the deploy banner show them. */
  urls: UrlRegistry;
  /** The service networks each app joins (its links); the deploy part attaches containers to them. */
  networks: AppNetworkRegistry;
  settings: Settings;
  paths: Paths;
  store: Store;
  logger: Logger;
  /** Routes for the TCP API server (git over HTTP, ...); they run after the token check. */
  apiRoutes: FastifyPluginAsync[];
  /**
   * This daemon's id, on every Docker object it makes, so two daemons with different
   * PAAS_HOME on one Docker Engine never touch each other's containers, images or networks.
   */
  instance: string;
  /**
   * The daemon's one Docker Engine client, made from the settings (DOCKER_HOST). Keep the
   * reference in register(); talk to Docker only in start() and in handlers.
   */
  docker: Docker;
}

/**
 * A part's own tables: `steps` run in order, once each, recorded per `schema` (not in core's
 * user_version). Append only. Parts built on one kit share its schema name and steps.
 */
export interface PartMigrations {
  schema: string;
  steps: readonly string[];
}

/**
 * A piece of paas (core or plugin). Like a fastify plugin it carries its metadata: what it must
 * come after, the command topics it owns, and its tables. register() only declares (commands,
 * triggers, reports); anything that talks to Docker, the network or the disk happens in start()
 * or in handlers, so offline help can register every part without a daemon.
 */
export interface Part {
  name: string;
  /** Shown by plugin:list. */
  description: string;
  /** Parts registered (and started) before this one; a missing name is an error. */
  after?: readonly string[];
  /**
   * Command topics this part owns: `postgres` owns `postgres` and `postgres:*`. Two parts may not
   * own one topic, and a part may not register a command outside its topics. Leave it out for
   * core parts that span topics.
   */
  topics?: readonly string[];
  migrations?: PartMigrations;
  register(api: PartApi): void;
  /** Runs after every part registered, before the daemon accepts commands. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
