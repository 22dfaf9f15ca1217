import { databaseName } from './service-names.js';

/**
 * How a linked app finds its database: a URL in a config var, Dokku's way. Pure.
 */

export const POSTGRES_PORT = 5432;
export const POSTGRES_USER = 'postgres';
export const DEFAULT_LINK_KEY = 'DATABASE_URL';

/** The stable hostname of a service on its own network (a DNS alias of its container). */
export function serviceHost(service: string): string {
  return `paas-postgres-${service}`;
}

/** `postgres://postgres:PASSWORD@paas-postgres-NAME:5432/DBNAME`, the password percent-encoded. */
export function serviceUrl(host: string, password: string, database: string): string {
  return `postgres://${POSTGRES_USER}:${encodeURIComponent(password)}@${host}:${POSTGRES_PORT}/${encodeURIComponent(database)}`;
}

/** The URL a linked app gets for a service. */
export function linkUrl(service: { name: string; password: string }): string {
  return serviceUrl(serviceHost(service.name), service.password, databaseName(service.name));
}

/** `PAAS_POSTGRES_BLOG_DB_URL` for service blog-db: used when DATABASE_URL is taken. */
export function fallbackLinkKey(service: string): string {
  return `PAAS_POSTGRES_${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

export interface LinkKeyChoice {
  key: string;
  /** Why the key is not the one asked for, to tell the user. */
  note?: string;
}

/**
 * The config var a new link sets: `<ALIAS>_URL` when an alias is given, else DATABASE_URL, else
 * (DATABASE_URL already set on the app) a per-service name, as Dokku's DOKKU_POSTGRES_AQUA_URL.
 */
export function chooseLinkKey(service: string, alias: string | undefined, appVars: Readonly<Record<string, string>>): LinkKeyChoice {
  if (alias !== undefined) return { key: `${alias}_URL` };
  if (!(DEFAULT_LINK_KEY in appVars)) return { key: DEFAULT_LINK_KEY };
  const key = fallbackLinkKey(service);
  return { key, note: `${DEFAULT_LINK_KEY} is already set, so the URL is in ${key} (name it yourself with --alias)` };
}
