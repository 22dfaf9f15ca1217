import { isIP } from 'node:net';
import { PROXY_KEYS, parseChallenges, type PropertyReader } from './app-state.js';
import { DASHBOARD_CERT } from './cert-target.js';
import { isValidDomain, isWildcard } from './domains.js';
import { certFiles, type NginxLayout } from './layout.js';
import { NGINX_NAMESPACE, resolveNginxSettings } from './nginx-settings.js';
import type { DashboardProxyState } from './render.js';

/** `dashboard:set --global domain NAME`: where the managed nginx serves the dashboard (global scope). */
export const DASHBOARD_DOMAIN = { namespace: 'dashboard', key: 'domain' } as const;

/** The dashboard domain, if one is set and still valid. */
export function dashboardDomain(reader: PropertyReader): string | undefined {
  const stored = reader.get(null, DASHBOARD_DOMAIN.namespace, DASHBOARD_DOMAIN.key);
  return stored && isValidDomain(stored) && !isWildcard(stored) ? stored.toLowerCase() : undefined;
}

export interface DashboardContext {
  reader: PropertyReader;
  layout: NginxLayout;
  httpPort: number;
  httpsPort: number;
  /** The API server: where it listens and whether it speaks TLS. */
  apiListen: string;
  apiPort: number;
  apiTls: boolean;
  /** PAAS_MAX_CONNECTIONS_PER_ADDRESS: nginx holds each dashboard client to it. */
  perAddress: number;
}

/**
 * Where nginx reaches the API server on this machine: loopback when it listens on every address,
 * else the address it listens on. Pure.
 */
export function apiUpstreamHost(listen: string): string {
  if (listen === '0.0.0.0' || listen === '' || listen === '::') return '127.0.0.1';
  return listen;
}

/** Everything the renderer needs about the dashboard's site, or undefined without a domain. */
export function loadDashboardState(context: DashboardContext): DashboardProxyState | undefined {
  const { reader, layout } = context;
  const domain = dashboardDomain(reader);
  if (!domain) return undefined;
  const version = reader.get(DASHBOARD_CERT.id, PROXY_KEYS.cert.namespace, PROXY_KEYS.cert.key);
  const cert = version && /^[0-9a-f]{8,64}$/.test(version) ? certFiles(layout, DASHBOARD_CERT.dir, version) : undefined;
  const host = apiUpstreamHost(context.apiListen);
  return {
    name: DASHBOARD_CERT.dir,
    domain,
    httpPort: context.httpPort,
    httpsPort: context.httpsPort,
    api: { host: isIP(host) === 6 ? `[${host}]` : host, port: context.apiPort, tls: context.apiTls },
    cert: cert && { crt: cert.crt, key: cert.key },
    challenges: parseChallenges(reader.get(DASHBOARD_CERT.id, PROXY_KEYS.challenges.namespace, PROXY_KEYS.challenges.key)),
    settings: resolveNginxSettings({}, reader.all(null, NGINX_NAMESPACE)),
    perAddress: context.perAddress,
  };
}
