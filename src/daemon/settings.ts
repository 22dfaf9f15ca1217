import { join } from 'node:path';
import { parseSize } from '../core/sizes.js';
import { readLimits, type ConnectionLimits } from './connection-guard.js';

/** The daemon's settings, read once from the environment (see README "Settings"). */
export interface Settings {
  home: string;
  sshPort: number;
  apiPort: number;
  httpPort: number;
  httpsPort: number;
  listen: string;
  domain: string | undefined;
  dockerHost: string | undefined;
  /** The most one push may send, in bytes (git's receive.maxInputSize); its source tree may unpack to 4 times that. */
  maxPushSize: number;
  /** A build starts only with this many bytes free in PAAS_HOME and Docker's data root. */
  buildMinFree: number;
  /** The API port speaks TLS (its own self-signed certificate), unless on loopback or told not to. */
  apiTls: boolean;
  /** Timeouts and the per-address connection cap of the API and SSH ports. */
  limits: ConnectionLimits;
  /**
   * System users (`paas`, `dokku`) whose authorized_keys paas keeps in sync with ssh-keys, for
   * `git push dokku@HOST:app` through the system sshd; empty turns that off.
   */
  systemSshUsers: string[];
  /** The socket their forced command talks to (root:their group, 0660). */
  sshForwardSocket: string;
  /** How often the daemon looks for letsencrypt certificates to renew (and the first retry wait). */
  letsencryptCheckSeconds: number;
}

export const DEFAULT_HOME = '/var/lib/paas';
export const DEFAULT_MAX_PUSH_SIZE = 1024 ** 3;
export const DEFAULT_BUILD_MIN_FREE = 512 * 1024 ** 2;

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const listen = env.PAAS_LISTEN || '0.0.0.0';
  return {
    home: env.PAAS_HOME || DEFAULT_HOME,
    sshPort: port(env, 'PAAS_SSH_PORT', 2222),
    apiPort: port(env, 'PAAS_API_PORT', 8765),
    httpPort: port(env, 'PAAS_HTTP_PORT', 80),
    httpsPort: port(env, 'PAAS_HTTPS_PORT', 443),
    listen,
    apiTls: apiTls(env, listen),
    domain: env.PAAS_DOMAIN || undefined,
    dockerHost: env.DOCKER_HOST || undefined,
    maxPushSize: size(env, 'PAAS_MAX_PUSH_SIZE', DEFAULT_MAX_PUSH_SIZE),
    buildMinFree: size(env, 'PAAS_BUILD_MIN_FREE', DEFAULT_BUILD_MIN_FREE),
    limits: readLimits(env),
    systemSshUsers: userList(env, 'PAAS_SYSTEM_SSH_USERS'),
    sshForwardSocket: env.PAAS_SSH_FORWARD_SOCKET || '/run/paas/ssh.sock',
    letsencryptCheckSeconds: seconds(env, 'PAAS_LETSENCRYPT_CHECK_INTERVAL', 3600),
  };
}

/**
 * Tokens, config values and code cross the API port: TLS unless the port is bound to loopback or
 * PAAS_API_INSECURE=1 asks for plain HTTP; PAAS_API_TLS=1 forces TLS even on loopback.
 */
export function apiTls(env: NodeJS.ProcessEnv, listen: string): boolean {
  const forced = env.PAAS_API_TLS === '1';
  const insecure = env.PAAS_API_INSECURE === '1';
  if (forced && insecure) throw new Error('PAAS_API_TLS=1 and PAAS_API_INSECURE=1 contradict each other; set only one');
  if (forced || insecure) return forced;
  return !isLoopback(listen);
}

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

function userList(env: NodeJS.ProcessEnv, name: string): string[] {
  const users = (env[name] ?? '')
    .split(',')
    .map((user) => user.trim())
    .filter(Boolean);
  const bad = users.find((user) => !/^[a-z_][a-z0-9_-]{0,31}$/.test(user));
  if (bad !== undefined) throw new Error(`${name} must list system user names, like paas,dokku (got "${bad}")`);
  return users;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535 (got "${raw}")`);
  }
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a number of seconds, like 3600 (got "${raw}")`);
  return Number(raw);
}

function size(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const bytes = parseSize(raw, 'b');
  if (bytes === undefined || bytes < 1024 ** 2) {
    throw new Error(`${name} must be a size of at least 1m, like 500m or 2g (got "${raw}")`);
  }
  return bytes;
}

/** Where each kind of state lives under PAAS_HOME. */
export function paths(home: string) {
  return {
    home,
    socket: join(home, 'paas.sock'),
    database: join(home, 'paas.db'),
    pidFile: join(home, 'paasd.pid'),
    logs: join(home, 'logs'),
    logFile: join(home, 'logs', 'paasd.log'),
    repos: join(home, 'repos'),
    buildLogs: join(home, 'builds'),
    tmp: join(home, 'tmp'),
    /** Locks of work that must not run twice at once (image preparation), private to this install. */
    locks: join(home, 'locks'),
    /** The managed nginx's own tree: config, app files, certs, logs, pid (see src/proxy/layout.ts). */
    nginx: join(home, 'nginx'),
    /** storage:ensure-directory's folders, one per NAME, for apps to mount (see src/storage/). */
    storage: join(home, 'storage'),
  };
}

export type Paths = ReturnType<typeof paths>;
