import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import type { Part, PartApi } from '../core/part.js';
import { PROXY_KEYS } from './app-state.js';
import { removeCertVersions } from './certs.js';
import { registerProxyCloneSetup } from './clone-setup.js';
import { registerCertsCommands } from './certs-commands.js';
import { registerDashboardSite } from './dashboard-site.js';
import { registerDomainsCommands } from './domains-commands.js';
import { TREE, appLogs } from './layout.js';
import { registerNginxCommands } from './nginx-commands.js';
import { registerPortsCommands } from './ports-commands.js';
import { Letsencrypt } from './letsencrypt/letsencrypt.js';
import { registerLetsencryptCommands } from './letsencrypt/letsencrypt-commands.js';
import { registerProxyCommands } from './proxy-commands.js';
import { registerProxyConfigCommands } from './proxy-config-commands.js';
import { registerVhostCommands } from './vhost-commands.js';
import { NginxProxy } from './proxy.js';
import { hostPort, isValidUpstream, serializeUpstreams } from './upstreams.js';

/**
 * Managed nginx routing: domains:*, ports:*, certs:*, nginx:*. Keeps one nginx (its own config
 * tree under $PAAS_HOME/nginx) routing each app's domains to its current web containers. nginx
 * is started or adopted when the daemon starts and keeps running when the daemon stops.
 */
export function proxyPart(): Part {
  let api: PartApi;
  let proxy: NginxProxy;
  let letsencrypt: Letsencrypt;
  return {
    name: 'proxy',
    description: "managed nginx: domains:*, ports:*, certs:*, nginx:*, letsencrypt:* (Let's Encrypt certificates, renewed by the daemon)",
    register(partApi) {
      api = partApi;
      proxy = new NginxProxy(partApi);
      const { events, store, urls, logger } = partApi;

      registerDomainsCommands(partApi, proxy);
      registerPortsCommands(partApi, proxy);
      registerCertsCommands(partApi, proxy);
      registerNginxCommands(partApi, proxy);
      letsencrypt = new Letsencrypt(partApi, proxy);
      registerLetsencryptCommands(partApi, proxy, letsencrypt);
      registerDashboardSite(partApi, proxy, letsencrypt);

      urls.add((app) => proxy.urls(app));

      events.on('proxy-switch', async ({ app, upstreams, log }) => {
        const row = requireApp(store, app);
        const invalid = upstreams.find((u) => !isValidUpstream(u));
        if (invalid) throw new UserError(`cannot route ${app} to ${JSON.stringify(invalid)}: not an IP address and port`);
        const result = await proxy.change({ subject: app }, (pending) =>
          pending.set(row.id, PROXY_KEYS.upstreams.namespace, PROXY_KEYS.upstreams.key, serializeUpstreams(upstreams)),
        );
        if (result.reloaded && proxy.urls(app).length) {
          const targets =
            upstreams.map((u) => `${hostPort(u.host, u.port)}${u.backup ? ' (backup)' : ''}`).join(' ') ||
            'nothing (502 until a web process runs)';
          log?.(`nginx routes ${app} to ${targets} (reloaded in ${result.ms} ms)`);
        }
      });

      events.on('post-create', async ({ app }) => {
        // With a global domain the new app is served at once (a 502 page until its first deploy).
        try {
          await proxy.change({ subject: app });
        } catch (error) {
          logger.warn({ err: error, app }, 'nginx not updated for the new app');
        }
      });

      events.on('app-rename', async ({ oldName, newName }) => {
        const moves = [
          [join(proxy.layout.certsDir, oldName), join(proxy.layout.certsDir, newName)],
          [appLogs(proxy.layout, oldName).access, appLogs(proxy.layout, newName).access],
          [appLogs(proxy.layout, oldName).error, appLogs(proxy.layout, newName).error],
        ].filter(([from]) => existsSync(from)) as Array<[string, string]>;
        for (const [from, to] of moves) renameSync(from, to);
        try {
          await proxy.change({ subject: newName, renames: new Map([[oldName, newName]]) });
        } catch (error) {
          for (const [from, to] of moves) renameSync(to, from);
          throw error;
        }
      });

      events.on('app-destroy', async ({ app }) => {
        // Never vetoes: the containers are gone by now, so the app must leave nginx regardless.
        try {
          await proxy.change({ removed: new Set([app]) });
        } catch (error) {
          logger.error({ err: error, app }, 'nginx reload after destroying an app failed; removing its file anyway');
          rmSync(proxy.tree.absolute(TREE.app(app)), { force: true });
        }
        removeCertVersions(proxy.layout, app);
        for (const file of Object.values(appLogs(proxy.layout, app))) rmSync(file, { force: true });
      });

      registerProxyCommands(partApi, proxy);
      registerProxyConfigCommands(partApi, proxy);
      registerProxyCloneSetup(partApi, proxy);
      registerVhostCommands(partApi, proxy);
    },

    async start() {
      // Adopt a running nginx (reload it with the tree rendered from the store) or start one.
      // The daemon runs on without it: apps stay reachable from the server at their containers' addresses.
      try {
        await proxy.prepareWorker();
        letsencrypt.forgetChallenges();
        const result = await proxy.change({ force: true });
        api.logger.info(
          {
            nginxPid: proxy.nginx.runningPid(),
            http: api.settings.httpPort,
            https: api.settings.httpsPort,
            ms: result.ms,
            disabled: result.disabled,
          },
          'nginx routing',
        );
      } catch (error) {
        api.logger.error({ err: error }, 'nginx is not routing; fix the cause and restart the daemon (or run any domains:* command)');
      }
      letsencrypt.start();
    },
    // nginx keeps serving while the daemon restarts; only the renewal schedule stops.
    async stop() {
      letsencrypt.stop();
    },
  };
}
