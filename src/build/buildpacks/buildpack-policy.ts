import { BlockList, isIP } from 'node:net';
import type { Actor } from '../../core/command.js';
import { UserError } from '../../core/errors.js';
import type { CodeTrust } from '../../core/events.js';
import { printable } from '../../core/names.js';
import type { BuildpackSource, GitTransport } from './buildpack-url.js';
import { BUILTIN_BUILDPACKS } from './builtin.js';
import { SETTINGS } from './settings.js';

/**
 * Who chose a buildpack. `server`: root through the local paas command (or a push made on the
 * server itself), who may name server folders and any git transport. `remote`: a token or SSH
 * key holder, whose buildpacks must come from the network, so a build never reads server files
 * for them.
 */
export type BuildpackTrust = CodeTrust;

/** What decides whether a buildpack may be used. */
export interface BuildpackPolicy {
  trust: BuildpackTrust;
  /** `buildpacks:set-property --global allow-private-urls true`: git URLs may reach private and loopback hosts. */
  allowPrivateUrls: boolean;
}

const REMOTE_TRANSPORTS: readonly GitTransport[] = ['https', 'ssh'];

export function trustOf(actor: Actor): BuildpackTrust {
  return actor.transport === 'socket' ? 'server' : 'remote';
}

/**
 * Refuses a buildpack the policy does not allow, with one line that says what would work. Pure:
 * the host check here covers literal addresses and `localhost`; names are resolved at fetch time.
 */
export function assertBuildpackAllowed(source: BuildpackSource, policy: BuildpackPolicy): void {
  if (source.kind === 'builtin') return;
  if (source.kind === 'local') {
    if (policy.trust === 'server') return;
    throw new UserError(
      `buildpack "${printable(source.url)}" is a folder on the server, which only the paas command on the server may use; ` +
        `from a remote client use a git URL over https or ssh, or a built-in (${BUILTIN_BUILDPACKS.map((b) => b.id).join(', ')})`,
    );
  }
  if (policy.trust === 'remote' && !REMOTE_TRANSPORTS.includes(source.transport)) {
    throw new UserError(
      `buildpack "${printable(source.url)}" uses ${source.transport}://; from a remote client only git URLs over https or ssh are accepted`,
    );
  }
  if (!policy.allowPrivateUrls && isPrivateHost(source.host)) throw privateHostError(source.url, source.host);
}

export function privateHostError(url: string, host: string, address?: string): UserError {
  const where = address && address !== host ? `${printable(host)} (${address})` : printable(host);
  return new UserError(
    `buildpack "${printable(url)}" points at ${where}, a private or loopback address; ` +
      `to allow such URLs, run on the server: paas buildpacks:set-property --global ${SETTINGS.allowPrivateUrls} true`,
  );
}

/** `localhost`, `*.localhost`, or a literal private, loopback, link-local or reserved address. */
export function isPrivateHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return isIP(name) !== 0 && isPrivateAddress(name);
}

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** An address a buildpack fetch must not reach by default (IPv4-mapped IPv6 is checked as IPv4). Pure. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
    return PRIVATE.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
