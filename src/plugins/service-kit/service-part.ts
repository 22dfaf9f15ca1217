import { registerBackupCommands } from '../../backups/backup-commands.js';
import type { ServiceBackup } from '../../backups/backup-source.js';
import { Backups } from '../../backups/backups.js';
import type { Part, PartApi } from '../../core/part.js';
import { writeLine } from '../../core/output.js';
import { ServiceContext } from './context.js';
import type { ServiceDefinition } from './definition.js';
import { registerEnterCommand } from './enter-command.js';
import { registerInfoCommands } from './info-commands.js';
import { registerLifecycleCommands } from './lifecycle-commands.js';
import { registerLinkCommands, registerLinkTriggers } from './link-commands.js';
import { SERVICE_SCHEMA } from './schema.js';
import { registerBackupTriggers } from './backup-triggers.js';
import { registerCloneCommand } from './clone-command.js';
import { registerExposeCommands } from './expose-commands.js';
import { registerPromoteCommand } from './promote-command.js';
import { registerSetCommand } from './set-command.js';
import { registerUpgradeCommand } from './upgrade-command.js';

export interface ServicePartOptions {
  description: string;
  /** The plugin's own commands (connect, export, import, ...), registered after the kit's. */
  register?(ctx: ServiceContext, api: PartApi): void;
  /**
   * The service's dump and restore as streams: the kit then adds `<plugin>:backup*` (to object
   * storage or a server folder, encrypted, scheduled) on src/backups, and ctx.backups.
   */
  backup?(ctx: ServiceContext): ServiceBackup;
}

/**
 * A service plugin as one part: the kit's `<plugin>:*` commands (create, clone, destroy, start,
 * stop, pause, restart, upgrade, expose, unexpose, set, info, list, exists, logs, enter, link,
 * unlink, promote, linked, links, app-links), the links'
 * networks and triggers, the image on `plugin:install`, and every service running again at start.
 */
export function servicePart(definition: ServiceDefinition, options: ServicePartOptions): Part {
  let ctx: ServiceContext | undefined;
  const context = (): ServiceContext => {
    if (!ctx) throw new Error(`the ${definition.plugin} part is not registered`);
    return ctx;
  };
  return {
    name: definition.plugin,
    description: options.description,
    topics: [definition.plugin],
    migrations: SERVICE_SCHEMA,
    register(api) {
      const pg = new ServiceContext(definition, api);
      ctx = pg;
      registerLifecycleCommands(pg);
      registerLinkCommands(pg);
      registerLinkTriggers(pg);
      registerInfoCommands(pg);
      registerEnterCommand(pg);
      registerExposeCommands(pg);
      registerPromoteCommand(pg);
      registerSetCommand(pg);
      registerUpgradeCommand(pg);
      registerCloneCommand(pg);
      pg.data = options.backup?.(pg);
      if (pg.data) {
        pg.backups = new Backups(api, { plugin: pg.plugin, assertService: (name) => void pg.requireService(name), ...pg.data });
        registerBackupCommands(api.commands, pg.backups);
      }
      options.register?.(pg, api);
      registerBackupTriggers(pg, pg.data);
      // An app's containers join the networks of the services it is linked to, and no others.
      api.networks.add((appId) => pg.store.linksOfApp(appId).map((link) => pg.containers.networkOf(link.service)));
      api.events.on('install', async ({ output }) => {
        writeLine(output, `-----> Preparing the ${definition.plugin} image`);
        const image = await pg.prepareImage({}, (line) => writeLine(output, `       ${line}`));
        writeLine(output, `-----> ${definition.plugin}:create will use ${image}`);
      });
    },

    /**
     * Every service runs again after the daemon (or dockerd) restarts: its container is started,
     * or made again on its volume if it is gone; one that exists is never made again. In the
     * background, so a slow Docker does not hold up the daemon.
     */
    async start() {
      void ensureServicesRun(context());
      context().backups?.start();
    },

    async stop() {
      ctx?.backups?.stop();
    },
  };
}

async function ensureServicesRun(ctx: ServiceContext): Promise<void> {
  const { logger } = ctx.api;
  for (const service of ctx.store.list()) {
    try {
      await moveToOwnNetwork(ctx, service.name);
    } catch (error) {
      logger.warn({ err: error, service: service.name, plugin: ctx.plugin }, 'could not put service on its own network');
    }
    if (service.stopped) continue;
    try {
      const result = await ctx.containers.ensureRunning(service);
      if (result !== 'running') logger.info({ service: service.name, plugin: ctx.plugin, result }, 'service started');
    } catch (error) {
      logger.warn({ err: error, service: service.name, plugin: ctx.plugin }, 'could not start service');
    }
  }
}

/**
 * Each service is on its own network, with its linked apps. A service made by an older paas
 * sat on the apps' network: it joins its own, its linked apps follow, then it leaves the old one.
 */
async function moveToOwnNetwork(ctx: ServiceContext, service: string): Promise<void> {
  if ((await ctx.containers.state(service)).status === 'missing') return;
  const others = await ctx.containers.joinOwnNetwork(service);
  for (const link of ctx.store.linksOf(service)) await ctx.api.events.emit('app-networks-changed', { app: link.app });
  if (others.length) {
    await ctx.containers.leaveNetworks(service, others);
    ctx.api.logger.info({ service, plugin: ctx.plugin, left: others }, 'service moved to its own network');
  }
}
