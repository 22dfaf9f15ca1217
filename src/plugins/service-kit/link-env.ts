/**
 * Which config var a link sets: Dokku's way, a URL in DATABASE_URL, REDIS_URL, ... Pure.
 */

/** `PAAS_POSTGRES_BLOG_DB_URL` for postgres service blog-db: used when the usual key is taken. */
export function fallbackLinkKey(plugin: string, service: string): string {
  return `PAAS_${plugin.toUpperCase().replace(/-/g, '_')}_${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

export interface LinkKeyChoice {
  key: string;
  /** Why the key is not the one asked for, to tell the user. */
  note?: string;
}

/**
 * The config var a new link sets: `<ALIAS>_URL` when an alias is given, else `linkKey`
 * (DATABASE_URL), else (that already set on the app) a per-service name, as Dokku's
 * DOKKU_POSTGRES_AQUA_URL.
 */
export function chooseLinkKey(
  link: { plugin: string; linkKey: string; service: string; alias: string | undefined },
  appVars: Readonly<Record<string, string>>,
): LinkKeyChoice {
  if (link.alias !== undefined) return { key: `${link.alias}_URL` };
  if (!(link.linkKey in appVars)) return { key: link.linkKey };
  const key = fallbackLinkKey(link.plugin, link.service);
  return { key, note: `${link.linkKey} is already set, so the URL is in ${key} (name it yourself with --alias)` };
}
