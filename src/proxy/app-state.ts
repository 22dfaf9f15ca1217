import { appDomains, isValidDomain, uniqueDomains } from './domains.js';
import { certFiles, type NginxLayout } from './layout.js';
import { NGINX_NAMESPACE, resolveNginxSettings } from './nginx-settings.js';
import { DEFAULT_CONTAINER_PORT, effectivePortMap, formatPortMapping, parsePortMapping, type PortMapping } from './port-map.js';
import { isValidChallenge, type AcmeChallenge, type AppProxyState } from './render.js';
import { UPSTREAMS, parseUpstreams } from './upstreams.js';

/** Where the proxy's state lives in store.properties (per app, or global with app null). */
export const PROXY_KEYS = {
  /** JSON list of the app's own domains. */
  domains: { namespace: 'domains', key: 'vhosts' },
  /** `off` once the user dropped APP.GLOBAL from the app's domains. */
  useGlobal: { namespace: 'domains', key: 'global-vhost' },
  /** Global: the global domain; `''` means cleared (PAAS_DOMAIN no longer applies). */
  global: { namespace: 'domains', key: 'global' },
  /** JSON list of `scheme:host:container`; absent means the default mapping. */
  ports: { namespace: 'ports', key: 'map' },
  /** The version directory of the app's certificate under certs/APP/. */
  cert: { namespace: 'certs', key: 'current' },
  upstreams: UPSTREAMS,
  /** JSON list of {token, keyAuthorization}: HTTP-01 answers while letsencrypt validates the app. */
  challenges: { namespace: 'letsencrypt', key: 'challenges' },
  /** `true` after proxy:disable (Dokku's `proxy` property `disabled`). */
  disabled: { namespace: 'proxy', key: 'disabled' },
  /** `true` after proxy:clear-config: nginx leaves the app out until proxy:build-config or its next deploy. */
  cleared: { namespace: 'proxy', key: 'config-cleared' },
  /** `true` after domains:disable: nginx serves the app on its proxy port, for any host name. */
  vhostsDisabled: { namespace: 'domains', key: 'disabled' },
  /** The ports nginx serves an app with domains disabled on (app, else global). */
  proxyPort: { namespace: 'proxy', key: 'proxy-port' },
  proxySslPort: { namespace: 'proxy', key: 'proxy-ssl-port' },
} as const;

/** Reads properties; the proxy reads through pending changes that are not stored yet. */
export interface PropertyReader {
  get(appId: number | null, namespace: string, key: string): string | undefined;
  all(appId: number | null, namespace: string): Record<string, string>;
}

export interface StateContext {
  reader: PropertyReader;
  layout: NginxLayout;
  httpPort: number;
  httpsPort: number;
  /** PAAS_DOMAIN, the global domain until domains:set-global or domains:clear-global. */
  defaultGlobalDomain: string | undefined;
  /** The web port of the app's current release, if it has one. */
  releasePort(appId: number): number | undefined;
}

/**
 * The global domains (domains:set-global, add-global; PAAS_DOMAIN until one is set): every app
 * is served at APP.D for each. Stored space-separated; '' means cleared.
 */
export function globalDomains(reader: PropertyReader, fallback: string | undefined): string[] {
  const stored = reader.get(null, PROXY_KEYS.global.namespace, PROXY_KEYS.global.key);
  if (stored === undefined) return fallback && isValidDomain(fallback) ? [fallback.toLowerCase()] : [];
  return stored.split(/\s+/).filter((domain) => domain !== '' && isValidDomain(domain));
}

/** The first global domain: the one `urls` and the deploy banner show first. */
export function globalDomain(reader: PropertyReader, fallback: string | undefined): string | undefined {
  return globalDomains(reader, fallback)[0];
}

export function ownDomains(reader: PropertyReader, appId: number): string[] {
  return parseList(reader.get(appId, PROXY_KEYS.domains.namespace, PROXY_KEYS.domains.key)).filter(isValidDomain);
}

export function usesGlobalDomain(reader: PropertyReader, appId: number): boolean {
  return reader.get(appId, PROXY_KEYS.useGlobal.namespace, PROXY_KEYS.useGlobal.key) !== 'off';
}

/** The stored mappings, or undefined for the default; unreadable entries are dropped. */
export function storedPortMap(reader: PropertyReader, appId: number): PortMapping[] | undefined {
  const stored = reader.get(appId, PROXY_KEYS.ports.namespace, PROXY_KEYS.ports.key);
  if (stored === undefined) return undefined;
  const mappings: PortMapping[] = [];
  for (const text of parseList(stored)) {
    try {
      mappings.push(parsePortMapping(text));
    } catch {
      // a value written by an older version that no longer parses: ignore it
    }
  }
  return mappings;
}

export function serializePortMap(map: readonly PortMapping[]): string {
  return JSON.stringify(map.map(formatPortMapping));
}

export function vhostsDisabled(reader: PropertyReader, appId: number): boolean {
  return reader.get(appId, PROXY_KEYS.vhostsDisabled.namespace, PROXY_KEYS.vhostsDisabled.key) === 'true';
}

/** A stored proxy-port or proxy-ssl-port (the app's, else the global one), if valid. */
export function proxyPortOf(reader: PropertyReader, appId: number, which: 'proxyPort' | 'proxySslPort'): number | undefined {
  const { namespace, key } = PROXY_KEYS[which];
  const value = Number(reader.get(appId, namespace, key) ?? reader.get(null, namespace, key));
  return Number.isInteger(value) && value > 0 && value < 65536 ? value : undefined;
}

/**
 * With domains disabled, nginx serves the app on its proxy port (http) and, with a certificate,
 * its proxy-ssl-port (https), whatever the host name, to the container port of its mappings. Pure.
 */
function vhostlessPorts(reader: PropertyReader, appId: number, containerPort: number, hasCert: boolean): PortMapping[] {
  const http = proxyPortOf(reader, appId, 'proxyPort');
  const https = proxyPortOf(reader, appId, 'proxySslPort');
  return [
    ...(http ? [{ scheme: 'http' as const, host: http, container: containerPort }] : []),
    ...(https && hasCert ? [{ scheme: 'https' as const, host: https, container: containerPort }] : []),
  ];
}

export function isConfigCleared(reader: PropertyReader, appId: number): boolean {
  return reader.get(appId, PROXY_KEYS.cleared.namespace, PROXY_KEYS.cleared.key) === 'true';
}

export function isProxyDisabled(reader: PropertyReader, appId: number): boolean {
  return reader.get(appId, PROXY_KEYS.disabled.namespace, PROXY_KEYS.disabled.key) === 'true';
}

/**
 * The host ports an app's web container publishes: its own port mappings (ports:set), once its
 * proxy is disabled; none while nginx serves it. proxy:disable refuses an app without mappings of
 * its own (the default one is nginx's port).
 */
export function publishedPorts(reader: PropertyReader, appId: number): PortMapping[] {
  if (!isProxyDisabled(reader, appId)) return [];
  return storedPortMap(reader, appId) ?? [];
}

export function serializeDomains(domains: readonly string[]): string {
  return JSON.stringify(uniqueDomains(domains));
}

/** Everything the renderer needs about one app, read from the store (through pending changes). */
export function loadAppState(context: StateContext, app: { id: number; name: string }): AppProxyState {
  const { reader, layout } = context;
  const upstreams = parseUpstreams(reader.get(app.id, PROXY_KEYS.upstreams.namespace, PROXY_KEYS.upstreams.key));
  const version = reader.get(app.id, PROXY_KEYS.cert.namespace, PROXY_KEYS.cert.key);
  const cert = version && /^[0-9a-f]{8,64}$/.test(version) ? certFiles(layout, app.name, version) : undefined;
  const disabled = isProxyDisabled(reader, app.id);
  const noVhosts = !disabled && vhostsDisabled(reader, app.id);
  const stored = storedPortMap(reader, app.id);
  const containerPort =
    stored?.[0]?.container ??
    (upstreams.find((u) => !u.backup) ?? upstreams[0])?.port ??
    context.releasePort(app.id) ??
    DEFAULT_CONTAINER_PORT;
  return {
    name: app.name,
    domains: appDomains({
      app: app.name,
      own: ownDomains(reader, app.id),
      useGlobal: usesGlobalDomain(reader, app.id),
      global: globalDomains(reader, context.defaultGlobalDomain),
    }),
    ports: disabled
      ? publishedPorts(reader, app.id)
      : noVhosts
        ? vhostlessPorts(reader, app.id, containerPort, cert !== undefined)
        : effectivePortMap({
            stored,
            containerPort,
            httpPort: context.httpPort,
            httpsPort: context.httpsPort,
            hasCert: cert !== undefined,
          }),
    upstreams,
    cert: cert && { crt: cert.crt, key: cert.key },
    settings: resolveNginxSettings(reader.all(app.id, NGINX_NAMESPACE), reader.all(null, NGINX_NAMESPACE)),
    challenges: parseChallenges(reader.get(app.id, PROXY_KEYS.challenges.namespace, PROXY_KEYS.challenges.key)),
    proxyDisabled: disabled,
    vhostsDisabled: noVhosts,
    configCleared: isConfigCleared(reader, app.id),
  };
}

/** Stored challenges that are well formed; anything else is dropped. */
export function parseChallenges(stored: string | undefined): AcmeChallenge[] {
  if (!stored) return [];
  try {
    const value: unknown = JSON.parse(stored);
    if (!Array.isArray(value)) return [];
    return value
      .filter((v): v is AcmeChallenge => typeof v?.token === 'string' && typeof v?.keyAuthorization === 'string')
      .map(({ token, keyAuthorization }) => ({ token, keyAuthorization }))
      .filter(isValidChallenge);
  } catch {
    return [];
  }
}

function parseList(stored: string | undefined): string[] {
  if (!stored) return [];
  try {
    const value: unknown = JSON.parse(stored);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
