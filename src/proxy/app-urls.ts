import { hostname } from 'node:os';
import { isWildcard } from './domains.js';
import type { AppProxyState } from './render.js';

const DEFAULT_PORTS = { http: 80, https: 443 } as const;

/**
 * Where the app answers through nginx: each domain (wildcards left out) on each mapping, https
 * only when it has a certificate (its http then redirects). Empty when it is not routed. Pure.
 */
export function routedUrls(app: AppProxyState): string[] {
  const https = app.cert ? app.ports.filter((m) => m.scheme === 'https') : [];
  const mappings = https.length ? https : app.ports.filter((m) => m.scheme === 'http');
  const urls = app.domains
    .filter((domain) => !isWildcard(domain))
    .flatMap((domain) => mappings.map((m) => `${m.scheme}://${domain}${m.host === DEFAULT_PORTS[m.scheme] ? '' : `:${m.host}`}`));
  return [...new Set(urls)];
}

/**
 * Where an app with its proxy (or its domains) disabled answers: the server (PAAS_LISTEN, or its
 * host name when that is every address) on each host port its web container publishes (or nginx
 * serves it on). Pure but for hostname().
 */
export function publishedUrls(app: AppProxyState, listen: string): string[] {
  const host = listen === '0.0.0.0' || listen === '::' ? hostname() : listen.includes(':') ? `[${listen}]` : listen;
  return [...new Set(app.ports.map((m) => `${m.scheme}://${host}:${m.host}`))];
}
