import type { PartApi } from '../core/part.js';
import { DASHBOARD_CERT } from './cert-target.js';
import { readCertInfo } from './certs.js';
import { printChange } from './change-output.js';
import { DASHBOARD_DOMAIN } from './dashboard-state.js';
import type { Letsencrypt } from './letsencrypt/letsencrypt.js';
import type { NginxProxy } from './proxy.js';

/**
 * The dashboard's site in nginx: dashboard:set --global domain goes through one checked change
 * (a domain an app serves is refused there), and the dashboard learns its URL and certificate.
 */
export function registerDashboardSite(api: PartApi, proxy: NginxProxy, letsencrypt: Letsencrypt): void {
  api.events.on('dashboard-domain', async ({ domain, output }) => {
    const result = await proxy.change({}, (pending) => pending.set(null, DASHBOARD_DOMAIN.namespace, DASHBOARD_DOMAIN.key, domain));
    const url = proxy.dashboardUrl();
    printChange(output, result, url ? [url] : []);
  });

  api.urls.setDashboard(() => {
    const url = proxy.dashboardUrl();
    if (!url) return undefined;
    const cert = proxy.served(DASHBOARD_CERT)?.cert;
    const info = cert && readCertInfo(cert.crt);
    return {
      url,
      fields: {
        'ssl-enabled': info ? 'true' : 'false',
        'ssl-hostnames': info?.hostnames.join(' ') ?? '',
        'ssl-expires-at': info?.expiresAt ?? '',
        'letsencrypt-active': String(letsencrypt.status(DASHBOARD_CERT).active),
      },
    };
  });
}
