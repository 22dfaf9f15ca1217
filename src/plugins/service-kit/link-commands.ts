import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { assertSettableConfigKey } from '../../core/names.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../../core/output.js';
import type { ServiceContext } from './context.js';
import { chooseLinkKey, fallbackLinkKey } from './link-env.js';
import { assertAlias } from './names.js';

export const NO_RESTART = {
  'no-restart': { type: 'boolean', description: 'only store the change; the app picks it up on its next deploy or restart' },
} as const;

/** `<plugin>:link`, `:unlink`, `:linked`, `:links`, `:app-links`. */
export function registerLinkCommands(pg: ServiceContext): void {
  const { commands, events, store } = pg.api;
  const { plugin, definition } = pg;
  const { linkKey, exampleName: example } = definition;

  commands.register({
    name: `${plugin}:link`,
    summary: `Give an app the service's URL in ${linkKey} (or ALIAS_URL) and restart it`,
    usage: 'NAME APP [--alias ENV] [--no-restart]',
    description:
      `The app's containers join the service's own network and reach it at paas-${plugin}-NAME:${definition.port}\n` +
      '(web, worker, release and run containers); apps that are not linked cannot reach it.\n' +
      `When ${linkKey} is already set, the URL goes to ${fallbackLinkKey(plugin, 'name')} instead (or pick a name with --alias).\n` +
      'The restart is a new release with zero downtime, like config:set.',
    examples: [
      `paas ${plugin}:link ${example} blog`,
      `paas ${plugin}:link ${example} blog --alias REPORTS_${linkKey.replace(/_URL$/, '')}`,
    ],
    flags: {
      alias: { type: 'string', description: `set ENV_URL instead of ${linkKey}`, placeholder: 'ENV' },
      ...NO_RESTART,
    },
    arity: [2, 2],
    async handler({ args: [name, appName], flags, stdout }) {
      const service = pg.requireService(name);
      const app = requireApp(store, appName);
      const links = pg.store.linksOfApp(app.id);
      const existing = links.find((l) => l.service === service.name);
      if (existing) throw new UserError(`${service.name} is already linked to ${app.name} as ${existing.envKey}`);
      const alias = flags.alias === undefined ? undefined : assertAlias(String(flags.alias));
      const vars = store.configVars.effective(app.id);
      const { key, note } = chooseLinkKey({ plugin, linkKey, service: service.name, alias }, vars);
      assertSettableConfigKey(key);
      const holder = links.find((l) => l.envKey === key);
      if (holder) {
        throw new UserError(`${app.name} already has ${key} from its link to ${holder.service}; pick another name with --alias`);
      }
      // The network first: when Docker cannot make it, nothing is stored.
      await pg.containers.ensureNetwork(service.name);
      store.transaction(() => {
        store.configVars.set(app.id, { [key]: pg.url(service) });
        pg.store.link(service.id, app.id, key);
      });
      // The app's containers join the service's network now; a restart gives them the URL.
      await events.emit('app-networks-changed', { app: app.name });
      writeLine(stdout, `-----> Linking ${plugin} service ${service.name} to ${app.name} as ${key}`);
      if (note) writeLine(stdout, `       ${note}`);
      else if (alias !== undefined && key in vars) writeLine(stdout, `       ${key} was set before; it now holds the link's URL`);
      const { status } = await pg.containers.state(service.name);
      if (status !== 'running')
        writeLine(stdout, `       Warning: ${service.name} is ${status}; start it with: paas ${plugin}:start ${service.name}`);
      await events.emit('post-config-update', {
        app: app.name,
        action: 'set',
        keys: [key],
        restart: flags['no-restart'] !== true,
        output: stdout,
      });
    },
  });

  commands.register({
    name: `${plugin}:unlink`,
    summary: "Remove the service's URL from an app and restart it",
    usage: 'NAME APP [--no-restart]',
    examples: [`paas ${plugin}:unlink ${example} blog`],
    flags: NO_RESTART,
    arity: [2, 2],
    async handler({ args: [name, appName], flags, stdout }) {
      const service = pg.requireService(name);
      const app = requireApp(store, appName);
      const link = pg.store.linksOfApp(app.id).find((l) => l.service === service.name);
      if (!link) throw new UserError(`${service.name} is not linked to ${app.name}; see: paas ${plugin}:app-links ${app.name}`);
      store.transaction(() => {
        store.configVars.unset(app.id, [link.envKey]);
        pg.store.unlink(service.id, app.id);
      });
      // Off the service's network at once, restart or not: an unlinked app cannot reach it.
      await events.emit('app-networks-changed', { app: app.name });
      writeLine(stdout, `-----> Unlinking ${plugin} service ${service.name} from ${app.name} (unset ${link.envKey})`);
      await events.emit('post-config-update', {
        app: app.name,
        action: 'unset',
        keys: [link.envKey],
        restart: flags['no-restart'] !== true,
        output: stdout,
      });
    },
  });

  commands.register({
    name: `${plugin}:linked`,
    summary: `Exit 0 when a ${plugin} service is linked to an app, else 1`,
    usage: 'NAME APP',
    examples: [`paas ${plugin}:linked ${example} blog && echo linked`],
    arity: [2, 2],
    handler({ args: [name, appName], stdout }) {
      const service = pg.requireService(name);
      const app = requireApp(store, appName);
      if (!pg.store.linksOfApp(app.id).some((l) => l.service === service.name)) {
        throw new UserError(`${plugin} service ${service.name} is not linked to ${app.name}`);
      }
      writeLine(stdout, `${plugin} service ${service.name} is linked to ${app.name}`);
    },
  });

  commands.register({
    name: `${plugin}:links`,
    summary: `List the apps linked to a ${plugin} service`,
    usage: 'NAME [--format json]',
    examples: [`paas ${plugin}:links ${example}`],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const service = pg.requireService(name);
      const links = pg.store.linksOf(service.name);
      if (flags.format === 'json')
        return writeJson(
          stdout,
          links.map((l) => ({ app: l.app, env: l.envKey, linkedAt: l.createdAt })),
        );
      for (const link of links) writeLine(stdout, link.app);
    },
  });

  commands.register({
    name: `${plugin}:app-links`,
    summary: `List the ${plugin} services linked to an app`,
    usage: 'APP [--format json]',
    examples: [`paas ${plugin}:app-links blog`],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [appName], flags, stdout }) {
      const app = requireApp(store, appName);
      const links = pg.store.linksOfApp(app.id);
      if (flags.format === 'json')
        return writeJson(
          stdout,
          links.map((l) => ({ service: l.service, env: l.envKey, linkedAt: l.createdAt })),
        );
      for (const link of links) writeLine(stdout, link.service);
    },
  });
}

/** Apps come and go: a destroyed app loses its links (the databases stay); a renamed one keeps them. */
export function registerLinkTriggers(pg: ServiceContext): void {
  const { events, store, reports, logger } = pg.api;
  const { plugin, definition } = pg;

  events.on('app-destroy', ({ app }) => {
    const row = store.apps.find(app);
    if (!row) return;
    for (const link of pg.store.linksOfApp(row.id)) {
      const service = pg.store.find(link.service);
      if (!service) continue;
      store.transaction(() => {
        store.configVars.unset(row.id, [link.envKey]);
        pg.store.unlink(service.id, row.id);
      });
      logger.info({ app, service: service.name }, `unlinked ${plugin} service from a destroyed app; the service is kept`);
    }
  });

  // apps:clone copied the link's URL with the config: the copy is linked too, so it can reach the service.
  events.on('post-app-clone-setup', async ({ oldApp, newApp, output }) => {
    const from = store.apps.find(oldApp);
    const to = store.apps.find(newApp);
    if (!from || !to) return;
    const links = pg.store.linksOfApp(from.id);
    for (const link of links) {
      const service = pg.store.find(link.service);
      if (!service) continue;
      pg.store.link(service.id, to.id, link.envKey);
      writeLine(output, `       Linked ${plugin} service ${service.name} to ${newApp} as ${link.envKey}`);
    }
    if (links.length) await events.emit('app-networks-changed', { app: newApp });
  });

  // A rollback keeps the link's URL: the link, not the old release, says where the service is.
  events.on('pre-config-restore', ({ app, keep }) => {
    const row = store.apps.find(app);
    for (const link of row ? pg.store.linksOfApp(row.id) : []) keep.add(link.envKey);
  });

  // Links are stored by app id, so app-rename needs no change here: the link follows the app.

  reports.add(plugin, (app) => {
    const row = store.apps.find(app);
    const links = row ? pg.store.linksOfApp(row.id) : [];
    return [[`${definition.title} links`, links.length ? links.map((l) => `${l.service} (${l.envKey})`).join(', ') : 'none']];
  });
}
