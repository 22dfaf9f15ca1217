import type { FastifyPluginAsync } from 'fastify';
import type { BuilderRegistry } from '../build/builder.js';
import type { AppNetworkRegistry } from '../core/app-networks.js';
import type { CommandRegistry } from '../core/registry.js';
import type { EventBus } from '../core/events.js';
import type { ReportRegistry } from '../core/reports.js';
import type { UrlRegistry } from '../core/urls.js';
import type { Store } from '../store/store.js';
import type { Logger } from './logger.js';
import type { Paths, Settings } from './settings.js';

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
}

export interface Part {
  name: string;
  /** Shown by plugin:list. */
  description: string;
  register(api: PartApi): void;
  /** Runs after every part registered, before the daemon accepts commands. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
