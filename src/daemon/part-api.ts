import { BuilderRegistry } from '../build/builder.js';
import { AppNetworkRegistry } from '../core/app-networks.js';
import { EventBus } from '../core/events.js';
import { CommandRegistry } from '../core/registry.js';
import { ReportRegistry } from '../core/reports.js';
import { UrlRegistry } from '../core/urls.js';
import type { Store } from '../store/store.js';
import type { Logger } from './logger.js';
import type { PartApi } from './part.js';
import { paths, type Settings } from './settings.js';

/** Empty registries plus the given services: what every part registers into. */
export function createPartApi(services: { settings: Settings; store: Store; logger: Logger; instance: string }): PartApi {
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
