import type { CommandContext } from '../core/command.js';
import { EVERY_APP_FLAGS, cpuCount, parallelism, targetApps } from '../core/every-app.js';
import { writeLine } from '../core/output.js';
import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import { PROXY_KEYS, isConfigCleared } from './app-state.js';
import { printChange } from './change-output.js';
import type { NginxProxy } from './proxy.js';
import { isRouted } from './render.js';

const { cleared: CLEARED } = PROXY_KEYS;

/**
 * proxy:build-config and proxy:clear-config (Dokku's): write an app's nginx server blocks again
 * from the store and reload, or take them out until the next build-config or deploy. Both are
 * one proxy change for all the apps named, so nginx reloads once even with --all.
 */
export function registerProxyConfigCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store, events } = api;

  const appsOf = (ctx: CommandContext, verb: string): AppRow[] => {
    const { apps } = targetApps(store, ctx.args, ctx.flags, `paas proxy:${verb} [--all|APP]`);
    // One reload covers every app: --parallel is accepted (Dokku's flag) and checked, nothing more.
    parallelism(ctx.flags.parallel, cpuCount());
    return apps;
  };

  commands.register({
    name: 'proxy:build-config',
    summary: "Write an app's nginx configuration again from its stored settings and reload nginx",
    usage: '[--parallel N] [--all|APP]',
    description:
      'For a configuration that drifted (a file edited or removed by hand) or was cleared with proxy:clear-config.\n' +
      'nginx reloads even when nothing changed. An app without domains, or with its proxy disabled, has\n' +
      'no configuration to write. With --all every app is written and nginx reloads once (--parallel\n' +
      'is accepted for Dokku scripts and changes nothing).',
    examples: ['paas proxy:build-config blog', 'paas proxy:build-config --all'],
    flags: EVERY_APP_FLAGS,
    arity: [0, 1],
    async handler(ctx) {
      const apps = appsOf(ctx, 'build-config');
      const result = await proxy.change({ subject: apps.length === 1 ? apps[0]!.name : undefined, force: true }, (pending) => {
        for (const app of apps) pending.set(app.id, CLEARED.namespace, CLEARED.key, undefined);
      });
      for (const app of apps) {
        const state = proxy.appState(app.name);
        writeLine(
          ctx.stdout,
          state && isRouted(state)
            ? `-----> Built the nginx configuration of ${app.name}`
            : `-----> ${app.name} is not served by nginx (no domains, or its proxy is disabled): nothing to build`,
        );
      }
      printChange(ctx.stdout, result, apps.length === 1 ? proxy.urls(apps[0]!.name) : []);
    },
  });

  commands.register({
    name: 'proxy:clear-config',
    summary: "Remove an app's nginx configuration: nginx stops serving it until proxy:build-config or its next deploy",
    usage: '[--all|APP]',
    description:
      "The app's domains answer with paas's 404 page; its containers keep running. Other changes (domains,\n" +
      'ports, certificates) are stored but not served while it is cleared. proxy:build-config, or a\n' +
      'deploy, config change or rollback of the app, writes the configuration again.',
    examples: ['paas proxy:clear-config blog', 'paas proxy:clear-config --all'],
    flags: EVERY_APP_FLAGS,
    arity: [0, 1],
    async handler(ctx) {
      const apps = appsOf(ctx, 'clear-config');
      const result = await proxy.change({ subject: apps.length === 1 ? apps[0]!.name : undefined }, (pending) => {
        for (const app of apps) pending.set(app.id, CLEARED.namespace, CLEARED.key, 'true');
      });
      for (const app of apps) {
        writeLine(
          ctx.stdout,
          `-----> Cleared the nginx configuration of ${app.name}; build it again with: paas proxy:build-config ${app.name}`,
        );
      }
      printChange(ctx.stdout, result);
    },
  });

  // A deploy writes the configuration again, as on Dokku.
  events.on('post-deploy', async ({ app }) => {
    const row = store.apps.find(app);
    if (!row || !isConfigCleared(store.properties, row.id)) return;
    await proxy.change({ subject: app }, (pending) => pending.set(row.id, CLEARED.namespace, CLEARED.key, undefined));
  });
}
