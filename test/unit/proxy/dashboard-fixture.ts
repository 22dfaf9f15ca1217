import { resolveNginxSettings } from '../../../src/proxy/nginx-settings.js';
import type { DashboardProxyState } from '../../../src/proxy/render.js';

/** A dashboard site at paas.example.com on 80/443, proxied to a plain-HTTP API on loopback. */
export function dashboardState(overrides: Partial<DashboardProxyState> = {}): DashboardProxyState {
  return {
    name: '_dashboard',
    domain: 'paas.example.com',
    httpPort: 80,
    httpsPort: 443,
    api: { host: '127.0.0.1', port: 8765, tls: false },
    cert: undefined,
    settings: resolveNginxSettings({}, {}),
    perAddress: 32,
    ...overrides,
  };
}
