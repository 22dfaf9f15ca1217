import { join } from 'node:path';

/** Where the CLI sends commands: the local socket, or a remote daemon's HTTP API with a token. */
export type Target =
  | { kind: 'socket'; socketPath: string }
  | { kind: 'http'; url: URL; token: string };

export function targetFromEnv(env: NodeJS.ProcessEnv): Target {
  if (env.PAAS_API_URL) {
    if (!env.PAAS_API_TOKEN) {
      throw new Error('PAAS_API_URL is set but PAAS_API_TOKEN is not; create a token on the server with: paas tokens:create NAME');
    }
    return { kind: 'http', url: new URL(env.PAAS_API_URL), token: env.PAAS_API_TOKEN };
  }
  return { kind: 'socket', socketPath: join(env.PAAS_HOME || '/var/lib/paas', 'paas.sock') };
}

export function describeTarget(target: Target): string {
  return target.kind === 'socket' ? `socket ${target.socketPath}` : target.url.origin;
}
