import type { Actor } from '../../core/command.js';
import { UserError } from '../../core/errors.js';
import type { CodeTrust } from '../../core/events.js';
import { printable } from '../../core/names.js';
import { isPrivateHost } from '../../core/private-addresses.js';
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
