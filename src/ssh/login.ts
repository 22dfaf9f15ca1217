import type { AuthContext } from 'ssh2';
import type { Logger } from '../daemon/logger.js';
import { fingerprintOf, verifyKeySignature } from '../git/ssh-public-key.js';
import type { Store } from '../store/store.js';

export type LoginOutcome = { kind: 'reject' } | { kind: 'query' } | { kind: 'accept'; keyName: string };

/**
 * Public key only. A registered key without a signature is just the client asking whether the
 * key would do; with a signature, the signature must verify against the STORED key, or
 * anyone who knows a public key could log in (ssh2 checks nothing itself).
 */
export function checkLogin(ctx: AuthContext, deps: { store: Store; logger: Logger }): LoginOutcome {
  if (ctx.method !== 'publickey') return { kind: 'reject' };
  let stored;
  try {
    stored = deps.store.sshKeys.byFingerprint(fingerprintOf(ctx.key.data));
  } catch (error) {
    deps.logger.error({ err: error }, 'ssh key lookup failed');
    return { kind: 'reject' };
  }
  if (!stored) return { kind: 'reject' };
  if (!ctx.signature) return { kind: 'query' };
  if (!ctx.blob || !verifyKeySignature(stored.publicKey, ctx.blob, ctx.signature, ctx.hashAlgo)) {
    deps.logger.warn({ key: stored.name, fingerprint: stored.fingerprint }, 'ssh login with a bad signature refused');
    return { kind: 'reject' };
  }
  return { kind: 'accept', keyName: stored.name };
}
