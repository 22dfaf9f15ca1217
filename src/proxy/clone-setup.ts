import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import type { PartApi } from '../core/part.js';
import { PROXY_KEYS, isProxyDisabled, proxyPortOf, publishedPorts, vhostsDisabled } from './app-state.js';
import type { NginxProxy } from './proxy.js';
import { freeProxyPort } from './vhost-commands.js';

const { proxyPort: PROXY_PORT } = PROXY_KEYS;

/**
 * apps:clone copied the proxy settings (proxy and domains disabled, ports, nginx): nginx serves
 * the copy with them now. Ports only one app may have are not shared: a copy with domains
 * disabled gets a proxy-port of its own; one with the proxy disabled would publish the source's
 * host ports, so it is refused unless it is not deployed yet (--skip-deploy).
 */
export function registerProxyCloneSetup(api: PartApi, proxy: NginxProxy): void {
  const { events, store } = api;
  events.on('post-app-clone-setup', async ({ oldApp, newApp, deploy, output }) => {
    const app = requireApp(store, newApp);
    if (isProxyDisabled(store.properties, app.id)) {
      const ports = publishedPorts(store.properties, app.id)
        .map((m) => m.host)
        .join(', ');
      const fix = `paas ports:set ${newApp} http:PORT:CONTAINER_PORT`;
      if (deploy) {
        throw new UserError(
          `${oldApp}'s proxy is disabled and its web container publishes host port ${ports}, which a copy cannot share; ` +
            `clone with --skip-deploy, then: ${fix} && paas deploy ${newApp}`,
        );
      }
      writeLine(
        output,
        `       The proxy of ${newApp} is disabled, as ${oldApp}'s: give it host ports of its own before deploying it: ${fix}`,
      );
      return;
    }
    const port =
      vhostsDisabled(store.properties, app.id) && !proxyPortOf(store.properties, app.id, 'proxyPort')
        ? await freeProxyPort(api, proxy)
        : undefined;
    await proxy.change({ subject: newApp }, (pending) => {
      if (port !== undefined) pending.set(app.id, PROXY_PORT.namespace, PROXY_PORT.key, String(port));
    });
    if (port !== undefined)
      writeLine(output, `       The domains of ${newApp} are disabled, as ${oldApp}'s: nginx serves it on port ${port}`);
  });
}
