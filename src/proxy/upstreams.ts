import { isIP } from 'node:net';

import type { Upstream } from '../core/events.js';

export type { Upstream };

/** Where the last `proxy-switch` pointed an app (namespace `proxy`), kept so a restart can re-render without Docker. */
export const UPSTREAMS = { namespace: 'proxy', key: 'upstreams' } as const;

/** Only IP literals and real ports reach an nginx file. */
export function isValidUpstream(value: unknown): value is Upstream {
  const candidate = value as Partial<Upstream> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.host === 'string' &&
    isIP(candidate.host) !== 0 &&
    Number.isInteger(candidate.port) &&
    candidate.port! >= 1 &&
    candidate.port! <= 65535 &&
    (candidate.backup === undefined || typeof candidate.backup === 'boolean')
  );
}

/** Sorted and without duplicates (a server both primary and backup is primary), so the same set always renders the same file. */
export function normalizeUpstreams(upstreams: readonly Upstream[]): Upstream[] {
  const unique = new Map<string, Upstream>();
  for (const u of upstreams) {
    const key = `${u.host}|${u.port}`;
    const prior = unique.get(key);
    const backup = u.backup === true && (prior === undefined || prior.backup === true);
    unique.set(key, backup ? { host: u.host, port: u.port, backup } : { host: u.host, port: u.port });
  }
  return [...unique.values()].sort((a, b) => a.host.localeCompare(b.host, 'en', { numeric: true }) || a.port - b.port);
}

export function serializeUpstreams(upstreams: readonly Upstream[]): string {
  return JSON.stringify(normalizeUpstreams(upstreams));
}

/** The stored list; anything unreadable or invalid in it is dropped. */
export function parseUpstreams(stored: string | undefined): Upstream[] {
  if (!stored) return [];
  try {
    const value: unknown = JSON.parse(stored);
    return Array.isArray(value) ? normalizeUpstreams(value.filter(isValidUpstream)) : [];
  } catch {
    return [];
  }
}

/** `host:port`, with brackets around IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
