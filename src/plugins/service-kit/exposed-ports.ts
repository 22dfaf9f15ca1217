import { isIPv4 } from 'node:net';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import type { ExposedPort } from './store.js';

/** Dokku's default: every interface. */
export const ALL_INTERFACES = '0.0.0.0';

/**
 * `<plugin>:expose`'s PORTS: `[IP:]PORT` for each port the service listens on (one for postgres
 * and redis); none given means a free port chosen later. Pure.
 */
export function parseExposeArgs(args: readonly string[], servicePorts: readonly number[]): Array<{ hostIp: string; hostPort?: number }> {
  if (args.length > servicePorts.length) {
    throw new UserError(
      `this service listens on ${servicePorts.length === 1 ? 'one port' : `${servicePorts.length} ports`} (${servicePorts.join(', ')}): ` +
        `give at most ${servicePorts.length} host port${servicePorts.length === 1 ? '' : 's'}`,
    );
  }
  const parsed = servicePorts.map((_port, index): { hostIp: string; hostPort?: number } => {
    const text = args[index];
    if (text === undefined) return { hostIp: ALL_INTERFACES };
    const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5})$/.exec(text);
    const hostIp = match?.[1] ?? ALL_INTERFACES;
    const hostPort = Number(match?.[2]);
    if (!match || !isIPv4(hostIp) || !(hostPort >= 1 && hostPort <= 65535)) {
      throw new UserError(`invalid port "${printable(text)}": give a host port (e.g. 15432) or IPV4:PORT (e.g. 127.0.0.1:15432)`);
    }
    return { hostIp, hostPort };
  });
  const ports = parsed.flatMap((p) => (p.hostPort === undefined ? [] : [p.hostPort]));
  if (new Set(ports).size !== ports.length) throw new UserError('each host port may be given once');
  return parsed;
}

/** `0.0.0.0:15432->5432` for info. Pure. */
export function describeExposed(exposed: readonly ExposedPort[], servicePorts: readonly number[]): string {
  return exposed.map((p, index) => `${p.hostIp}:${p.hostPort}->${servicePorts[index]}`).join(' ');
}
