import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import type { ServiceContext } from './context.js';
import { NO_RESTART } from './link-commands.js';
import { fallbackLinkKey } from './link-env.js';

/**
 * `<plugin>:promote NAME APP`: of the services of this plugin linked to an app, this one's URL
 * goes to the usual key (DATABASE_URL, REDIS_URL); the service that held it moves to its own
 * key (PAAS_POSTGRES_<SERVICE>_URL), as a second link would have got.
 */
export function registerPromoteCommand(ctx: ServiceContext): void {
  const { commands, events, store } = ctx.api;
  const { plugin, definition } = ctx;
  const { linkKey, exampleName: example } = definition;

  commands.register({
    name: `${plugin}:promote`,
    summary: `Make a linked ${plugin} service the app's ${linkKey} and restart the app`,
    usage: 'NAME APP [--no-restart]',
    description:
      `The service must be linked to the app already (then it is in ${fallbackLinkKey(plugin, 'NAME')} or its --alias).\n` +
      `Its URL moves to ${linkKey}; the service that had ${linkKey} keeps its link, now in ${fallbackLinkKey(plugin, 'OTHER')}.\n` +
      'The restart is a new release with zero downtime, like config:set.',
    examples: [`paas ${plugin}:promote ${example}-2 blog`],
    flags: NO_RESTART,
    arity: [2, 2],
    async handler({ args: [name, appName], flags, stdout }) {
      const service = ctx.requireService(name);
      const app = requireApp(store, appName);
      const links = ctx.store.linksOfApp(app.id);
      const link = links.find((l) => l.service === service.name);
      if (!link)
        throw new UserError(`${service.name} is not linked to ${app.name}; link it first: paas ${plugin}:link ${service.name} ${app.name}`);
      if (link.envKey === linkKey) throw new UserError(`${service.name} is already ${app.name}'s ${linkKey}`);
      const holder = links.find((l) => l.envKey === linkKey);
      const vars = store.configVars.all(app.id);
      if (!holder && linkKey in vars) {
        throw new UserError(
          `${app.name}'s ${linkKey} was set by hand, not by a ${plugin} link; unset it first: paas config:unset ${app.name} ${linkKey}`,
        );
      }
      const set: Record<string, string> = { [linkKey]: ctx.url(service) };
      const moved = holder && { service: ctx.requireService(holder.service), key: fallbackLinkKey(plugin, holder.service) };
      if (moved) {
        if (moved.key in vars && moved.key !== link.envKey) {
          throw new UserError(`${app.name} already has ${moved.key}, where ${holder.service}'s URL would move; unset it first`);
        }
        set[moved.key] = ctx.url(moved.service);
      }
      const unset = link.envKey in set ? [] : [link.envKey];
      store.transaction(() => {
        store.configVars.unset(app.id, unset);
        store.configVars.set(app.id, set);
        if (moved) ctx.store.setLinkKey(moved.service.id, app.id, moved.key);
        ctx.store.setLinkKey(service.id, app.id, linkKey);
      });
      writeLine(stdout, `-----> Promoting ${plugin} service ${service.name} to ${linkKey} of ${app.name} (was ${link.envKey})`);
      if (moved) writeLine(stdout, `       ${moved.service.name} stays linked, now as ${moved.key}`);
      await events.emit('post-config-update', {
        app: app.name,
        action: 'set',
        keys: [...Object.keys(set), ...unset],
        restart: flags['no-restart'] !== true,
        output: stdout,
      });
    },
  });
}
