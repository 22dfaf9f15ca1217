import type Docker from 'dockerode';
import { BuilderRegistry } from '../build/builder.js';
import { AppNetworkRegistry } from './app-networks.js';
import { EventBus } from './events.js';
import { CommandRegistry } from './registry.js';
import { ReportRegistry } from './reports.js';
import { UrlRegistry } from './urls.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../daemon/logger.js';
import type { PartApi } from './part.js';
import { paths, type Settings } from '../daemon/settings.js';

/** Empty registries plus the given services: what every part registers into. */
export function createPartApi(services: { settings: Settings; store: Store; logger: Logger; instance: string; docker: Docker }): PartApi {
  return {
    commands: new CommandRegistry(),
    events: new EventBus(),
    reports: new ReportRegistry(),
    builders: new BuilderRegistry(),
    urls: new UrlRegistry(),
    networks: new AppNetworkRegistry(),
    paths: paths(services.settings.home),
    apiRoutes: [],
    ...services,
  };
}
