import { join } from 'node:path';
import { knownHostsFile, normalizeFingerprint, type TlsPin } from './known-hosts.js';

/**
 * Where the CLI sends commands: the local socket, or a remote daemon's API with a token; over
 * https the daemon's certificate is pinned (`tls`).
 */
export type Target = { kind: 'socket'; socketPath: string } | { kind: 'http'; url: URL; token: string; tls?: TlsPin };

export function targetFromEnv(env: NodeJS.ProcessEnv): Target {
  if (env.PAAS_API_URL) {
    if (!env.PAAS_API_TOKEN) {
      throw new Error('PAAS_API_URL is set but PAAS_API_TOKEN is not; create a token on the server with: paas tokens:create NAME');
    }
    let url: URL;
    try {
      url = new URL(env.PAAS_API_URL);
    } catch {
      throw new Error(`PAAS_API_URL must be a URL like https://your-server:8765 (got "${env.PAAS_API_URL}")`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(
        `PAAS_API_URL must start with https:// (or http:// for a daemon bound to loopback or started with PAAS_API_INSECURE=1)`,
      );
    }
    if (url.protocol === 'http:') {
      if (env.PAAS_API_FINGERPRINT) throw new Error('PAAS_API_FINGERPRINT pins a certificate: use an https:// PAAS_API_URL');
      return { kind: 'http', url, token: env.PAAS_API_TOKEN };
    }
    const tls: TlsPin = { knownHostsFile: knownHostsFile(env) };
    if (env.PAAS_API_FINGERPRINT) tls.fingerprint = normalizeFingerprint(env.PAAS_API_FINGERPRINT);
    return { kind: 'http', url, token: env.PAAS_API_TOKEN, tls };
  }
  return { kind: 'socket', socketPath: join(env.PAAS_HOME || '/var/lib/paas', 'paas.sock') };
}

export function describeTarget(target: Target): string {
  return target.kind === 'socket' ? `socket ${target.socketPath}` : target.url.origin;
}
