import type { Part } from '../../core/part.js';
import { SERVICE_SCHEMA } from '../service-kit/schema.js';
import { PostgresContext } from './context.js';
import { preparePostgresImage } from './image.js';
import { registerDataCommands } from './data-commands.js';
import { registerInfoCommands } from './info-commands.js';
import { registerLifecycleCommands } from './lifecycle-commands.js';
import { registerLinkCommands, registerLinkTriggers } from './link-commands.js';

/**
 * The postgres service plugin, shaped like dokku-postgres. It uses only what the Part API gives
 * every plugin: commands, triggers (app-destroy, post-config-update) and a report section.
 */
export function postgresPlugin(): Part {
  let pg: PostgresContext;
  return {
    name: 'postgres',
    description: 'postgres:* commands: database services linked to apps by DATABASE_URL',
    topics: ['postgres'],
    migrations: SERVICE_SCHEMA,
    register(api) {
      pg = new PostgresContext(api);
      registerLifecycleCommands(pg);
      registerLinkCommands(pg);
      registerLinkTriggers(pg);
      registerInfoCommands(pg);
      registerDataCommands(pg);
      // An app's containers join the networks of the services it is linked to, and no others.
      api.networks.add((appId) => pg.store.linksOfApp(appId).map((link) => pg.containers.networkOf(link.service)));
      api.events.on('install', async ({ output }) => {
        output.write(`-----> Preparing the postgres image\n`);
        const image = await preparePostgresImage(pg.docker, {}, (line) => output.write(`       ${line}\n`), pg.api.paths.locks);
        output.write(`-----> postgres:create will use ${image}\n`);
      });
    },

    /**
     * Every service runs again after the daemon (or dockerd) restarts: its container is started,
     * or made again on its volume if it is gone; one that exists is never made again. In the
     * background, so a slow Docker does not hold up the daemon.
     */
    async start() {
      void ensureServicesRun(pg);
    },
  };
}

async function ensureServicesRun(pg: PostgresContext): Promise<void> {
  for (const service of pg.store.list()) {
    try {
      await moveToOwnNetwork(pg, service.name);
    } catch (error) {
      pg.api.logger.warn({ err: error, service: service.name }, 'could not put postgres service on its own network');
    }
    if (service.stopped) continue;
    try {
      const result = await pg.containers.ensureRunning(service);
      if (result !== 'running') pg.api.logger.info({ service: service.name, result }, 'postgres service started');
    } catch (error) {
      pg.api.logger.warn({ err: error, service: service.name }, 'could not start postgres service');
    }
  }
}

/**
 * Each service is on its own network, with its linked apps. A service made by an older paas
 * sat on the apps' network: it joins its own, its linked apps follow, then it leaves the old one.
 */
async function moveToOwnNetwork(pg: PostgresContext, service: string): Promise<void> {
  if ((await pg.containers.state(service)).status === 'missing') return;
  const others = await pg.containers.joinOwnNetwork(service);
  for (const link of pg.store.linksOf(service)) await pg.api.events.emit('app-networks-changed', { app: link.app });
  if (others.length) {
    await pg.containers.leaveNetworks(service, others);
    pg.api.logger.info({ service, left: others }, 'postgres service moved to its own network');
  }
}
