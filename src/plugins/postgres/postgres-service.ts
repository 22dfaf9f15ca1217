import type { ServiceDefinition } from '../service-kit/definition.js';
import { imageMajor } from '../service-kit/image-ref.js';
import { BUILDABLE_VERSION, BUILT_IMAGE, OFFICIAL_IMAGE, imageFiles } from './image-definition.js';

/** What postgres adds to the service kit: its image, environment, URL and readiness check. Pure. */

export const POSTGRES_PORT = 5432;
export const POSTGRES_USER = 'postgres';

/** The database inside the service: the service name with dashes as underscores (a plain SQL identifier). */
export function databaseName(service: string): string {
  return service.replace(/-/g, '_');
}

/** `postgres://postgres:PASSWORD@HOST:5432/DBNAME`, the password percent-encoded. */
export function serviceUrl(host: string, password: string, database: string): string {
  return `postgres://${POSTGRES_USER}:${encodeURIComponent(password)}@${host}:${POSTGRES_PORT}/${encodeURIComponent(database)}`;
}

/**
 * Where the data volume is mounted: the official image keeps its cluster in
 * /var/lib/postgresql/data before version 18 and under /var/lib/postgresql from 18 on.
 */
export function dataMountPath(version: string): string {
  const major = /^(\d+)/.exec(version);
  return major && Number(major[1]) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}

export const POSTGRES: ServiceDefinition = {
  plugin: 'postgres',
  title: 'Postgres',
  noun: 'database',
  port: POSTGRES_PORT,
  linkKey: 'DATABASE_URL',
  exampleName: 'blog-db',
  image: {
    official: OFFICIAL_IMAGE,
    defaultVersion: BUILDABLE_VERSION,
    built: { tag: BUILT_IMAGE, files: imageFiles },
  },
  dataPath: dataMountPath,
  container: (service) => ({
    env: [`POSTGRES_PASSWORD=${service.password}`, `POSTGRES_USER=${POSTGRES_USER}`, `POSTGRES_DB=${databaseName(service.name)}`],
  }),
  url: (service, host) => serviceUrl(host, service.password, databaseName(service.name)),
  // TCP matters: the official image's first-boot server listens on its socket only.
  readiness: (service) => ({
    cmd: ['psql', '-h', '127.0.0.1', '-U', POSTGRES_USER, '-d', databaseName(service.name), '-tAc', 'select 1'],
    env: [`PGPASSWORD=${service.password}`, 'PGCONNECT_TIMEOUT=3'],
  }),
  upgradeRefusal: (from, to) => {
    const [before, after] = [imageMajor(from), imageMajor(to)];
    if (before === undefined || after === undefined)
      return `cannot tell the postgres major version of ${before === undefined ? from : to}; give a numbered --image-version`;
    if (before !== after) {
      return `postgres ${after} cannot read the data of postgres ${before}: a major upgrade goes through export and import into a new service (postgres:create NEW --image-version ${after}, then postgres:export | postgres:import)`;
    }
    return undefined;
  },
  extraInfo: {
    database: { description: 'the database name', value: (service) => databaseName(service.name) },
  },
};
