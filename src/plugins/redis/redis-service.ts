import type { ServiceDefinition } from '../service-kit/definition.js';
import { imageMajor } from '../service-kit/image-ref.js';
import { BUILDABLE_VERSION, BUILT_IMAGE, DATA_DIR, OFFICIAL_IMAGE, imageFiles } from './image-definition.js';

/** What redis adds to the service kit: its image, command line, URL and readiness check. Pure. */

export const REDIS_PORT = 6379;

export { imageMajor };

/** `redis://:PASSWORD@HOST:6379`, the password percent-encoded (Dokku's shape). */
export function redisUrl(host: string, password: string): string {
  return `redis://:${encodeURIComponent(password)}@${host}:${REDIS_PORT}`;
}

/**
 * redis-server's arguments: every write appended to the AOF (fsync each second) in the volume,
 * a password on every connection, and DEBUG only from inside the container (redis:import uses
 * it; the option exists from redis 7 on, and DEBUG is open to clients before).
 */
export function redisServerArgs(password: string, image = ''): string[] {
  const major = imageMajor(image);
  const debug = major !== undefined && major < 7 ? [] : ['--enable-debug-command', 'local'];
  return ['redis-server', '--dir', DATA_DIR, '--appendonly', 'yes', '--appendfsync', 'everysec', '--requirepass', password, ...debug];
}

/** redis-cli against the server in its own container; the password goes by environment, not argv. */
export function redisCli(password: string, args: readonly string[]): { cmd: string[]; env: string[] } {
  return { cmd: ['redis-cli', '-h', '127.0.0.1', '-p', String(REDIS_PORT), ...args], env: [`REDISCLI_AUTH=${password}`] };
}

export const REDIS: ServiceDefinition = {
  plugin: 'redis',
  title: 'Redis',
  noun: 'key-value store',
  port: REDIS_PORT,
  linkKey: 'REDIS_URL',
  exampleName: 'cache',
  image: {
    official: OFFICIAL_IMAGE,
    defaultVersion: BUILDABLE_VERSION,
    built: { tag: BUILT_IMAGE, files: imageFiles },
  },
  dataPath: () => DATA_DIR,
  container: (service) => ({ cmd: redisServerArgs(service.password, service.image) }),
  url: (service, host) => redisUrl(host, service.password),
  readiness: (service) => ({ ...redisCli(service.password, ['ping']), expect: /PONG/ }),
};
