import { describe, expect, it } from 'vitest';
import { toOpenApi } from '../../../src/api/openapi.js';
import { LINK_TTL_MS, SESSION_TTL_MS, SessionStore, cookieValue, csrfMatches, sessionCookie } from '../../../src/dashboard/sessions.js';
import { statsOf } from '../../../src/deploy/commands/stats.js';

const root = { name: 'root', transport: 'socket' } as const;

describe('dashboard sessions', () => {
  it('a login link is redeemed once, and not after it expired', () => {
    let now = 1_000;
    const store = new SessionStore(() => now);
    const link = store.createLink(root);
    const first = store.redeem(link);
    expect(first?.session).toMatchObject({ owner: 'root', transport: 'socket', expiresAt: 1_000 + SESSION_TTL_MS });
    expect(store.redeem(link)).toBeUndefined();
    const late = store.createLink(root);
    now += LINK_TTL_MS;
    expect(store.redeem(late)).toBeUndefined();
  });

  it('a session is found by its cookie until it expires or is revoked', () => {
    let now = 0;
    const store = new SessionStore(() => now);
    const { cookie, session } = store.redeem(store.createLink(root))!;
    expect(store.find(cookie)).toBe(session);
    expect(store.find(`${cookie}x`)).toBeUndefined();
    now += SESSION_TTL_MS;
    expect(store.find(cookie)).toBeUndefined();
    const other = store.redeem(store.createLink(root))!;
    expect(store.revoke((s) => s.id === other.session.id)).toBe(1);
    expect(store.find(other.cookie)).toBeUndefined();
  });

  it('checks the CSRF token and reads and writes the cookie', () => {
    const store = new SessionStore();
    const s = store.redeem(store.createLink(root))!.session;
    expect(csrfMatches(s, s.csrf)).toBe(true);
    expect(csrfMatches(s, `${s.csrf.slice(1)}A`)).toBe(false);
    expect(csrfMatches(s, undefined)).toBe(false);
    expect(sessionCookie('abc', 60_000)).toBe('paas_session=abc; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=60');
    expect(cookieValue('a=1; paas_session=xyz; b=2')).toBe('xyz');
    expect(cookieValue('paas_sessionx=1')).toBeUndefined();
  });
});

describe('OpenAPI from route schemas', () => {
  it('turns JSON Schema null unions into nullable and keeps property names', () => {
    expect(toOpenApi({ type: 'object', properties: { type: { type: ['string', 'null'] } } })).toEqual({
      type: 'object',
      properties: { type: { type: 'string', nullable: true } },
    });
  });
});

describe('docker stats arithmetic', () => {
  it('CPU from two samples, memory without the inactive page cache', () => {
    expect(
      statsOf({
        cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
        memory_stats: { usage: 5000, limit: 10_000, stats: { inactive_file: 1000 } },
      }),
    ).toEqual({ cpuPercent: 40, memoryBytes: 4000, memoryLimitBytes: 10_000 });
  });
});
