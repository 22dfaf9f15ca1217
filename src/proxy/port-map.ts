import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

export type Scheme = 'http' | 'https';
const SCHEMES: readonly Scheme[] = ['http', 'https'];

/** Dokku's `scheme:host:container`: nginx listens on `host` and proxies to `container`. */
export interface PortMapping {
  scheme: Scheme;
  host: number;
  container: number;
}

export const DEFAULT_CONTAINER_PORT = 5000;

export function parsePortMapping(text: string): PortMapping {
  const parts = text.split(':');
  const usage = `invalid port mapping "${printable(text)}": use scheme:host-port:container-port, e.g. http:80:5000 or https:443:5000`;
  if (parts.length !== 3) throw new UserError(usage);
  const [scheme, host, container] = parts as [string, string, string];
  if (!SCHEMES.includes(scheme as Scheme)) {
    throw new UserError(`invalid port mapping "${printable(text)}": the scheme must be http or https`);
  }
  return { scheme: scheme as Scheme, host: parsePort(host, text), container: parsePort(container, text) };
}

function parsePort(value: string, text: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port < 1 || port > 65535) {
    throw new UserError(`invalid port mapping "${printable(text)}": ports are numbers from 1 to 65535`);
  }
  return port;
}

export function formatPortMapping(mapping: PortMapping): string {
  return `${mapping.scheme}:${mapping.host}:${mapping.container}`;
}

/** Later mappings for the same scheme and host port replace earlier ones; order is kept. */
export function mergePortMaps(base: readonly PortMapping[], added: readonly PortMapping[]): PortMapping[] {
  const key = (m: PortMapping) => `${m.scheme}:${m.host}`;
  const merged = new Map(base.map((m) => [key(m), m]));
  for (const mapping of added) merged.set(key(mapping), mapping);
  return [...merged.values()];
}

/** `ports:remove` takes a whole mapping or just a host port (every scheme on it). */
export function removeFromPortMap(map: readonly PortMapping[], what: string): PortMapping[] {
  if (/^\d+$/.test(what)) return map.filter((m) => m.host !== Number(what));
  const target = parsePortMapping(what);
  return map.filter((m) => formatPortMapping(m) !== formatPortMapping(target));
}

export interface EffectivePortsInput {
  /** What ports:add/set stored; undefined means the default. */
  stored: readonly PortMapping[] | undefined;
  /** The port the release's web process listens on. */
  containerPort: number;
  httpPort: number;
  httpsPort: number;
  hasCert: boolean;
}

/**
 * The mappings nginx serves. Default `http:HTTP_PORT:CONTAINER_PORT`. With a certificate and no
 * https mapping of its own, the app also gets `https:HTTPS_PORT:C` for each `http:HTTP_PORT:C`
 * (as Dokku adds https:443 when a cert arrives); without one, https mappings are left out. Pure.
 */
export function effectivePortMap(input: EffectivePortsInput): PortMapping[] {
  const base = input.stored ?? [{ scheme: 'http' as const, host: input.httpPort, container: input.containerPort }];
  if (!input.hasCert) return base.filter((m) => m.scheme === 'http');
  if (base.some((m) => m.scheme === 'https')) return [...base];
  const derived = base
    .filter((m) => m.scheme === 'http' && m.host === input.httpPort)
    .map((m) => ({ scheme: 'https' as const, host: input.httpsPort, container: m.container }));
  return [...base, ...derived];
}

export interface ReservedPort {
  port: number;
  scheme: Scheme | 'other';
  what: string;
}

/** The ports paas itself uses: nginx's default http and https ports, the API and SSH. Pure. */
export function reservedPorts(settings: { httpPort: number; httpsPort: number; apiPort: number; sshPort: number }): ReservedPort[] {
  return [
    { port: settings.httpPort, scheme: 'http', what: 'PAAS_HTTP_PORT' },
    { port: settings.httpsPort, scheme: 'https', what: 'PAAS_HTTPS_PORT' },
    ...(settings.apiPort ? [{ port: settings.apiPort, scheme: 'other' as const, what: 'the paas API (PAAS_API_PORT)' }] : []),
    ...(settings.sshPort ? [{ port: settings.sshPort, scheme: 'other' as const, what: 'the paas SSH server (PAAS_SSH_PORT)' }] : []),
  ];
}

/** Host ports below this belong to system services (ssh on 22, smtp on 25, ...). */
const FIRST_UNPRIVILEGED_PORT = 1024;

/**
 * Host ports of `mappings` that are below 1024 and are not the web ports (80, 443, or the
 * configured PAAS_HTTP_PORT / PAAS_HTTPS_PORT): a mapping there takes a system service's port,
 * so it needs --force. Pure.
 */
export function privilegedPorts(mappings: readonly PortMapping[], webPorts: readonly number[]): number[] {
  const allowed = new Set([80, 443, ...webPorts]);
  return [...new Set(mappings.map((m) => m.host))].filter((port) => port < FIRST_UNPRIVILEGED_PORT && !allowed.has(port));
}

/**
 * A host port can carry plain http or TLS, not both (nginx merges the listen options of all
 * servers on one port). Returns a sentence describing the first clash, if any. Pure.
 */
export function schemeClash(
  maps: ReadonlyArray<{ app: string; ports: readonly PortMapping[] }>,
  reserved: readonly ReservedPort[],
): string | undefined {
  const seen = new Map<number, { scheme: Scheme | 'other'; what: string }>();
  for (const entry of reserved) seen.set(entry.port, { scheme: entry.scheme, what: entry.what });
  for (const { app, ports } of maps) {
    for (const mapping of ports) {
      const other = seen.get(mapping.host);
      if (other?.scheme === 'other') return `port ${mapping.host} is taken by ${other.what}; pick another host port for ${app}`;
      if (other && other.scheme !== mapping.scheme) {
        return `port ${mapping.host} carries ${other.scheme} for ${other.what}, so ${app} cannot use it for ${mapping.scheme}`;
      }
      if (!other) seen.set(mapping.host, { scheme: mapping.scheme, what: `app ${app}` });
    }
  }
  return undefined;
}

/**
 * Host ports that apps with their proxy disabled publish, or that nginx serves an app with its
 * domains disabled on, must belong to them alone: not to nginx's other servers (its ports, every
 * routed app's), not to paas, not to another such app. Returns a
 * sentence describing the first clash, if any. Pure.
 */
export function publishClash(
  published: ReadonlyArray<{ app: string; ports: readonly PortMapping[] }>,
  routed: ReadonlyArray<{ app: string; ports: readonly PortMapping[] }>,
  reserved: readonly ReservedPort[],
): string | undefined {
  const owner = new Map<number, string>();
  for (const entry of reserved) owner.set(entry.port, entry.what);
  for (const { app, ports } of routed) for (const m of ports) if (!owner.has(m.host)) owner.set(m.host, `app ${app} (through nginx)`);
  for (const { app, ports } of published) {
    for (const port of new Set(ports.map((m) => m.host))) {
      const other = owner.get(port);
      if (other !== undefined) {
        return `${app} cannot have port ${port} to itself: ${other} uses it; give it a port of its own first`;
      }
      owner.set(port, `app ${app}`);
    }
  }
  return undefined;
}
