import type { Writable } from 'node:stream';
import type { CommandContext } from '../core/command.js';
import { EVERY_APP_FLAGS, forEachApp, targetApps } from '../core/every-app.js';
import { writeLine } from '../core/output.js';
import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import { PROXY_KEYS, proxyPortOf, vhostsDisabled } from './app-state.js';
import { printChange } from './change-output.js';
import { portInUse } from './ports-commands.js';
import type { NginxProxy } from './proxy.js';

const { vhostsDisabled: VHOSTS, proxyPort: PROXY_PORT } = PROXY_KEYS;
/** Where domains:disable looks for a free port when the app has no proxy-port (Dokku: a random high port). */
const FIRST_PROXY_PORT = 10000;
const PROXY_PORT_TRIES = 50;

/** A port from FIRST_PROXY_PORT up that nothing listens on and no app was given (domains:disable, apps:clone). */
export async function freeProxyPort(api: PartApi, proxy: NginxProxy): Promise<number> {
  const { store, settings } = api;
  const taken = new Set(
    store.apps
      .list()
      .flatMap((app) => proxy.appState(app.name)?.ports.map((m) => m.host) ?? [])
      .concat(settings.httpPort, settings.httpsPort, settings.apiPort, settings.sshPort),
  );
  for (let i = 0; i < PROXY_PORT_TRIES; i++) {
    const port = FIRST_PROXY_PORT + Math.floor(Math.random() * 20000);
    if (!taken.has(port) && !(await portInUse(settings.listen, port))) return port;
  }
  throw new Error('found no free port for the app; give it one: paas proxy:set APP proxy-port PORT');
}

/** domains:enable and domains:disable: an app served at its domains, or on a port of its own. */
export function registerVhostCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store } = api;

  const setVhosts = async (app: AppRow, enabled: boolean, stdout: Writable): Promise<void> => {
    if (vhostsDisabled(store.properties, app.id) === !enabled) {
      writeLine(stdout, `-----> The domains of ${app.name} are ${enabled ? 'enabled' : 'disabled'} already`);
      return;
    }
    writeLine(stdout, `-----> ${enabled ? 'Enabling' : 'Disabling'} VHOST support for ${app.name}`);
    // As in Dokku, the port stays the app's across deploys and domains:enable/disable.
    const port = enabled || proxyPortOf(store.properties, app.id, 'proxyPort') ? undefined : await freeProxyPort(api, proxy);
    const result = await proxy.change({ subject: app.name }, (pending) => {
      pending.set(app.id, VHOSTS.namespace, VHOSTS.key, enabled ? undefined : 'true');
      if (port !== undefined) pending.set(app.id, PROXY_PORT.namespace, PROXY_PORT.key, String(port));
    });
    printChange(stdout, result, proxy.urls(app.name));
  };

  const everyApp = async (ctx: CommandContext, enabled: boolean) => {
    const { apps } = targetApps(store, ctx.args, ctx.flags, `paas domains:${enabled ? 'enable' : 'disable'} --all|APP`);
    await forEachApp(apps, 1, ctx.stderr, (app) => setVhosts(app, enabled, ctx.stdout));
  };
  const ALL = { all: EVERY_APP_FLAGS.all };

  commands.register({
    name: 'domains:disable',
    summary: 'Serve an app on a port of its own, for any host name, instead of at its domains',
    usage: '--all|APP',
    description:
      'nginx no longer serves the app at its domains (they stay stored, and no other app can take them);\n' +
      'it serves it on its proxy-port, for whatever host name a request has: one chosen at random from\n' +
      '10000 up the first time, kept across deploys (set it with: paas proxy:set APP proxy-port PORT).\n' +
      'With a certificate and a proxy-ssl-port, also https there. paas urls shows the address.',
    examples: ['paas domains:disable internal-api', 'paas proxy:set internal-api proxy-port 5000 && paas domains:disable internal-api'],
    flags: ALL,
    arity: [0, 1],
    handler: (ctx) => everyApp(ctx, false),
  });

  commands.register({
    name: 'domains:enable',
    summary: 'Serve an app at its domains again (after domains:disable)',
    usage: '--all|APP',
    examples: ['paas domains:enable internal-api', 'paas domains:enable --all'],
    flags: ALL,
    arity: [0, 1],
    handler: (ctx) => everyApp(ctx, true),
  });
}
