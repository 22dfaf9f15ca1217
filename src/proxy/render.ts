// Longer than 300 lines: every nginx file paas writes is rendered here, so the whole layout reads in one place; every function is pure.
/**
 * nginx configuration as pure functions of state: the same state always renders the same bytes,
 * and every value that reaches a file was validated before (domains, ports, IPs, settings) or is
 * a path paas chose (quoted). Nothing here touches the disk.
 */
import { isIP } from 'node:net';
import { appLogs, type NginxLayout } from './layout.js';
import type { NginxSettings } from './nginx-settings.js';
import type { PortMapping } from './port-map.js';
import type { NginxWorker } from './nginx-worker.js';
import { hostPort, type Upstream } from './upstreams.js';

export interface AppProxyState {
  name: string;
  /** Validated, lowercased, each once; empty means the app is not routed. */
  domains: string[];
  /** The effective mappings (see effectivePortMap). */
  ports: PortMapping[];
  upstreams: Upstream[];
  cert: { crt: string; key: string } | undefined;
  settings: NginxSettings;
  /** HTTP-01 answers nginx serves while an ACME server validates the app's domains (letsencrypt). */
  challenges?: readonly AcmeChallenge[];
  /** `proxy:disable`: nginx leaves the app out; its web container publishes `ports` instead. */
  proxyDisabled?: boolean;
  /** `domains:disable`: nginx serves the app on its `ports` (its proxy ports) for any host name. */
  vhostsDisabled?: boolean;
  /** `proxy:clear-config`: its server blocks are left out until `proxy:build-config` or its next deploy. */
  configCleared?: boolean;
}

export interface AcmeChallenge {
  /** base64url, checked by isValidChallenge before it reaches a file. */
  token: string;
  keyAuthorization: string;
}

const BASE64URL = /^[A-Za-z0-9_-]{1,256}$/;

/** Only base64url tokens and `token.thumbprint` answers reach nginx. Pure. */
export function isValidChallenge(challenge: AcmeChallenge): boolean {
  const [token, thumbprint, ...rest] = challenge.keyAuthorization.split('.');
  return (
    BASE64URL.test(challenge.token) &&
    token === challenge.token &&
    thumbprint !== undefined &&
    BASE64URL.test(thumbprint) &&
    rest.length === 0
  );
}

/** An app nginx serves: its proxy is on, and it has a domain and a port to listen on. */
export function isRouted(state: AppProxyState): boolean {
  return !state.proxyDisabled && (state.domains.length > 0 || state.vhostsDisabled === true) && state.ports.length > 0;
}

/** Routed and not cleared: the app has server blocks in the rendered tree. */
export function isServed(state: AppProxyState): boolean {
  return isRouted(state) && state.configCleared !== true;
}

export interface RenderOptions {
  /** The bind address (PAAS_LISTEN). */
  listen: string;
  layout: NginxLayout;
}

const UPSTREAM_KEEPALIVE = 16;
const HSTS_MAX_AGE = 15724800;
export const WORKER_SHUTDOWN_TIMEOUT = '30s';

export function upstreamName(app: string, containerPort: number): string {
  return `paas-${app}-${containerPort}`;
}

export function renderAppConfig(app: AppProxyState, options: RenderOptions): string {
  const header = [
    `# paas: nginx configuration of ${app.name}, generated from its state; edits here are overwritten.`,
    `# Change it with paas domains:*, ports:*, certs:* and nginx:set.`,
  ];
  if (app.domains.length === 0 && !app.vhostsDisabled) {
    return lines([
      ...header,
      `# ${app.name} has no domains, so nginx does not route it; add one with: paas domains:add ${app.name} DOMAIN`,
    ]);
  }
  if (app.ports.length === 0) {
    return lines([
      ...header,
      `# ${app.name} has no port mappings, so nginx does not route it; add one with: paas ports:add ${app.name} http:80:5000`,
    ]);
  }
  const primary = new Set(app.upstreams.filter((u) => !u.backup).map((u) => u.host));
  const hosts = [...new Set(app.upstreams.map((u) => u.host))];
  const blocks: string[][] = [];
  for (const port of [...new Set(app.ports.map((m) => m.container))]) {
    if (hosts.length === 0) continue;
    blocks.push([
      `upstream ${upstreamName(app.name, port)} {`,
      ...hosts.map((host) => `  server ${hostPort(host, port)}${primary.has(host) ? '' : ' backup'};`),
      `  keepalive ${UPSTREAM_KEEPALIVE};`,
      '}',
    ]);
  }
  const https = app.cert ? app.ports.filter((m) => m.scheme === 'https') : [];
  for (const mapping of app.ports) {
    const redirectTo = mapping.scheme === 'http' ? https[0] : undefined;
    blocks.push(renderServer(app, mapping, redirectTo, hosts.length > 0, options));
  }
  return lines([...header, ...blocks.flatMap((block) => ['', ...block])]);
}

function renderServer(
  app: AppProxyState,
  mapping: PortMapping,
  redirectTo: PortMapping | undefined,
  hasUpstreams: boolean,
  options: RenderOptions,
): string[] {
  const tls = mapping.scheme === 'https';
  const logs = appLogs(options.layout, app.name);
  const out = [
    'server {',
    `  listen ${listenAddress(options.listen, mapping.host)}${tls ? ' ssl http2' : ''}${app.vhostsDisabled ? ' default_server' : ''};`,
    // With domains disabled the app is the port's only server: it answers whatever the host name.
    `  server_name ${app.vhostsDisabled ? '_' : app.domains.join(' ')};`,
    `  access_log ${quote(logs.access)} paas;`,
    `  error_log ${quote(logs.error)};`,
  ];
  if (tls && app.cert) out.push(...certificateLines(app.cert, app.settings));
  out.push(...challengeLocations(app.challenges));
  if (redirectTo) {
    out.push(...httpsRedirect(redirectTo.host), '}');
    return out;
  }
  out.push(`  client_max_body_size ${app.settings['client-max-body-size']};`, '  location / {');
  if (hasUpstreams) {
    out.push(
      `    proxy_pass http://${upstreamName(app.name, mapping.container)};`,
      ...FORWARDED_HEADERS,
      `    proxy_connect_timeout ${app.settings['proxy-connect-timeout']};`,
      `    proxy_read_timeout ${app.settings['proxy-read-timeout']};`,
      `    proxy_buffering ${app.settings['proxy-buffering']};`,
    );
  } else {
    out.push(
      '    default_type text/plain;',
      `    return 502 "502 Bad Gateway: ${app.name} has no running web process; deploy it with: git push paas main\\n";`,
    );
  }
  out.push('  }', '}');
  return out;
}

/**
 * What a proxied request carries: the Host the client asked for (apps and the dashboard's
 * origin check compare it), and the scheme nginx spoke ($paas_forwarded_proto: a client's own
 * X-Forwarded-Proto counts only from a trusted proxy), replacing whatever the client sent.
 */
const FORWARDED_HEADERS = [
  '    proxy_http_version 1.1;',
  '    proxy_set_header Host $http_host;',
  '    proxy_set_header Upgrade $http_upgrade;',
  '    proxy_set_header Connection $paas_connection_upgrade;',
  '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
  '    proxy_set_header X-Forwarded-Proto $paas_forwarded_proto;',
  '    proxy_set_header X-Forwarded-Port $server_port;',
  '    proxy_set_header X-Request-Start "t=${msec}";',
  '    proxy_set_header X-Real-IP $remote_addr;',
] as const;

function certificateLines(cert: { crt: string; key: string }, settings: NginxSettings): string[] {
  return [
    `  ssl_certificate ${quote(cert.crt)};`,
    `  ssl_certificate_key ${quote(cert.key)};`,
    ...(settings.hsts === 'true' ? [`  add_header Strict-Transport-Security "max-age=${HSTS_MAX_AGE}" always;`] : []),
  ];
}

/** HTTP-01 answers; an exact match wins over `location /`, so they are served even where http redirects. */
function challengeLocations(challenges: readonly AcmeChallenge[] | undefined): string[] {
  return (challenges ?? [])
    .filter(isValidChallenge)
    .flatMap((challenge) => [
      `  location = /.well-known/acme-challenge/${challenge.token} {`,
      '    default_type text/plain;',
      `    return 200 "${challenge.keyAuthorization}";`,
      '  }',
    ]);
}

function httpsRedirect(httpsPort: number): string[] {
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return ['  location / {', `    return 301 https://$host${port}$request_uri;`, '  }'];
}

/** The dashboard's site: its domain on the http and https ports, proxied to the API server. */
export interface DashboardProxyState {
  /** Its certs/ directory and log name. */
  name: string;
  /** Validated, lowercased, no wildcard. */
  domain: string;
  httpPort: number;
  httpsPort: number;
  /** The API server as nginx reaches it (an IP, bracketed for IPv6, or PAAS_LISTEN's host name). */
  api: { host: string; port: number; tls: boolean };
  cert: { crt: string; key: string } | undefined;
  challenges?: readonly AcmeChallenge[];
  /** The global nginx settings (hsts). */
  settings: NginxSettings;
  /** Requests one client address may have open at once (PAAS_MAX_CONNECTIONS_PER_ADDRESS). */
  perAddress: number;
}

/** The http-level zone that counts each client address's open dashboard requests (limit_conn). */
export const DASHBOARD_CONN_ZONE = 'paas_dashboard_conn';
const TOO_MANY = '@paas_too_many_connections';

/** Long enough for a build log or `logs -t` streamed to the dashboard while nothing is printed. */
const DASHBOARD_READ_TIMEOUT = '3600s';

/**
 * The dashboard's server blocks (a comment without a domain): http serves it until it has a
 * certificate, then only redirects (and answers ACME challenges); responses are not buffered,
 * so live logs stream. Pure.
 */
export function renderDashboardConfig(state: DashboardProxyState | undefined, options: RenderOptions): string {
  const header = "# paas: the dashboard's site, generated; edits here are overwritten. Change it with paas dashboard:set --global domain.";
  if (!state) return lines([header, '# No dashboard domain is set, so nginx does not serve the dashboard.']);
  const logs = appLogs(options.layout, state.name);
  const server = (port: number, tls: boolean, body: string[]) => [
    'server {',
    `  listen ${listenAddress(options.listen, port)}${tls ? ' ssl http2' : ''};`,
    `  server_name ${state.domain};`,
    `  access_log ${quote(logs.access)} paas;`,
    `  error_log ${quote(logs.error)};`,
    ...body,
    '}',
  ];
  const proxied = [
    ...(state.cert ? certificateLines(state.cert, state.settings) : []),
    // The API server caps each body itself (git pushes over HTTP are large).
    '  client_max_body_size 0;',
    // Every user reaches the API server from nginx's address, so the per-client cap is kept here,
    // on the real client address (after real_ip from trusted proxies).
    `  error_page 429 ${TOO_MANY};`,
    `  location ${TOO_MANY} {`,
    '    default_type text/plain;',
    `    return 429 "too many open connections from your address to the dashboard (at most ${state.perAddress}); close some, e.g. live log streams, and retry\\n";`,
    '  }',
    '  location / {',
    `    limit_conn ${DASHBOARD_CONN_ZONE} ${state.perAddress};`,
    '    limit_conn_status 429;',
    `    proxy_pass ${state.api.tls ? 'https' : 'http'}://${state.api.host}:${state.api.port};`,
    ...FORWARDED_HEADERS,
    `    proxy_read_timeout ${DASHBOARD_READ_TIMEOUT};`,
    '    proxy_buffering off;',
    '  }',
  ];
  const blocks = state.cert
    ? [
        server(state.httpPort, false, [...challengeLocations(state.challenges), ...httpsRedirect(state.httpsPort)]),
        server(state.httpsPort, true, proxied),
      ]
    : [server(state.httpPort, false, [...challengeLocations(state.challenges), ...proxied])];
  return lines([header, ...blocks.flatMap((block) => ['', ...block])]);
}

export interface MainConfigOptions {
  layout: NginxLayout;
  /** Files (or globs) the http block includes, in order. */
  includes: readonly string[];
  /**
   * With a root master: the unprivileged user its workers run as, and their temp dir (outside
   * PAAS_HOME, which they cannot enter). Without: workers are the master's user, temp in the prefix.
   */
  worker?: NginxWorker;
  /** nginx:set --global trusted-proxies / real-ip-header; none trusted by default. */
  clientAddress?: ClientAddressSettings;
}

export interface ClientAddressSettings {
  /** Validated CIDRs (canonicalCidrs). */
  trustedProxies: readonly string[];
  /** A validated header name. */
  realIpHeader: string;
}

/**
 * Requests from a trusted proxy: the client address comes from its header (the real one in logs,
 * X-Real-IP and X-Forwarded-For) and its X-Forwarded-Proto is passed on; from anyone else both
 * headers are ignored ($paas_forwarded_proto is then the scheme nginx itself spoke).
 */
function renderClientAddress(settings: ClientAddressSettings | undefined): string[] {
  const trusted = settings?.trustedProxies ?? [];
  return [
    '  geo $realip_remote_addr $paas_trusted_proxy {',
    '    default 0;',
    ...trusted.map((cidr) => `    ${cidr} 1;`),
    '  }',
    '  map "$paas_trusted_proxy:$http_x_forwarded_proto" $paas_forwarded_proto {',
    '    default $scheme;',
    '    "~*^1:(?<proto>https?)$" $proto;',
    '  }',
    ...(trusted.length
      ? [...trusted.map((cidr) => `  set_real_ip_from ${cidr};`), `  real_ip_header ${settings!.realIpHeader};`, '  real_ip_recursive on;']
      : []),
  ];
}

export function renderMainConfig({ layout, includes, worker, clientAddress }: MainConfigOptions): string {
  const temp = (name: string) => quote(`${worker?.tempDir ?? layout.tmpDir}/${name}`);
  return lines([
    '# paas: main configuration of the managed nginx, generated; edits here are overwritten.',
    ...(worker ? [`user ${worker.user} ${worker.group};`] : []),
    'worker_processes auto;',
    'worker_rlimit_nofile 16384;',
    // Old workers keep long-lived connections (websockets) open after a reload; cap how long.
    `worker_shutdown_timeout ${WORKER_SHUTDOWN_TIMEOUT};`,
    `pid ${quote(layout.pidFile)};`,
    `error_log ${quote(layout.errorLog)} notice;`,
    '',
    'events {',
    '  worker_connections 4096;',
    '}',
    '',
    'http {',
    '  default_type application/octet-stream;',
    '  server_tokens off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  keepalive_timeout 65s;',
    '  server_names_hash_bucket_size 512;',
    '  server_names_hash_max_size 8192;',
    `  client_body_temp_path ${temp('client_body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    '  log_format paas \'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent \'',
    '                  \'"$http_referer" "$http_user_agent" $request_time $upstream_addr $upstream_response_time "$host"\';',
    `  access_log ${quote(`${layout.logsDir}/access.log`)} paas;`,
    // Keep upstream connections alive, except for websocket upgrades.
    '  map $http_upgrade $paas_connection_upgrade {',
    '    default upgrade;',
    "    '' '';",
    '  }',
    ...renderClientAddress(clientAddress),
    '  ssl_protocols TLSv1.2 TLSv1.3;',
    '  ssl_prefer_server_ciphers off;',
    '  ssl_session_cache shared:paas_ssl:10m;',
    '  ssl_session_timeout 1d;',
    `  limit_conn_zone $binary_remote_addr zone=${DASHBOARD_CONN_ZONE}:10m;`,
    ...includes.map((file) => `  include ${quote(file)};`),
    '}',
  ]);
}

export interface ListenPorts {
  http: readonly number[];
  https: readonly number[];
}

/** The ports that get paas's default servers: the configured ones and any that apps with domains mapped. Pure. */
export function listenPorts(apps: readonly AppProxyState[], httpPort: number, httpsPort: number): ListenPorts {
  // An app with domains disabled is its ports' default server itself.
  const routed = apps.filter((app) => isRouted(app) && !app.vhostsDisabled);
  const of = (scheme: string, base: number) =>
    [...new Set([base, ...routed.flatMap((app) => app.ports.filter((m) => m.scheme === scheme).map((m) => m.host))])].sort((a, b) => a - b);
  return { http: of('http', httpPort), https: of('https', httpsPort) };
}

/** Requests for a host no app owns get a plain 404 from paas, never another app. */
export function renderDefaultServers(ports: ListenPorts, options: RenderOptions): string {
  const blocks = [
    ...ports.http.map((port) => [
      'server {',
      `  listen ${listenAddress(options.listen, port)} default_server;`,
      '  server_name _;',
      '  default_type text/plain;',
      '  return 404 "404 Not Found: no app is served at this address (paas)\\n";',
      '}',
    ]),
    // Unknown names over TLS: refuse the handshake rather than show some app's certificate.
    ...ports.https.map((port) => [
      'server {',
      `  listen ${listenAddress(options.listen, port)} ssl http2 default_server;`,
      '  server_name _;',
      '  ssl_reject_handshake on;',
      '}',
    ]),
  ];
  return lines(['# paas: default servers, generated; edits here are overwritten.', ...blocks.flatMap((block) => ['', ...block])]);
}

/** A server on a private unix socket that answers the config's generation: proof a reload took effect. */
export function renderControlServer(layout: NginxLayout, generation: string): string {
  return lines([
    '# paas: answers the generation of the loaded configuration, so paas knows a reload took effect.',
    'server {',
    `  listen ${quote(`unix:${layout.controlSocket}`)};`,
    '  access_log off;',
    '  default_type text/plain;',
    `  return 200 "${generation}\\n";`,
    '}',
  ]);
}

export function listenAddress(listen: string, port: number): string {
  return isIP(listen) === 6 ? `[${listen}]:${port}` : `${listen}:${port}`;
}

/**
 * A path in double quotes. Paths come from PAAS_HOME, not from users, but a character nginx
 * would read as syntax or a variable is refused rather than escaped.
 */
export function quote(path: string): string {
  if (!/^[A-Za-z0-9._/ +@,=~:*-]+$/.test(path)) {
    throw new Error(
      `the path "${path}" has characters nginx would misread; use a PAAS_HOME made of letters, digits, dots, dashes and slashes`,
    );
  }
  return `"${path}"`;
}

function lines(list: readonly string[]): string {
  return `${list.join('\n')}\n`;
}
