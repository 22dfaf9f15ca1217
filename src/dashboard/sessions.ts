import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../core/command.js';

/** How long a login link can be used (once). */
export const LINK_TTL_MS = 5 * 60 * 1000;
/** How long a dashboard session lasts from its login. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  /** Short public id, for dashboard:sessions and dashboard:logout (not the cookie's secret). */
  id: string;
  /** Who made the login link ("root", "token laptop", "ssh key me"). */
  owner: string;
  /** How the owner reached paas; only `socket` is root on the server itself. */
  transport: Actor['transport'];
  /** Sent back in X-CSRF-Token on every state-changing request. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

interface PendingLink {
  owner: string;
  transport: Actor['transport'];
  expiresAt: number;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

/**
 * Login links and dashboard sessions, in memory: a daemon restart logs everyone out. Only hashes
 * of the secrets are kept, so a heap dump holds no usable cookie; the clock is a parameter for tests.
 */
export class SessionStore {
  private readonly links = new Map<string, PendingLink>();
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new one-time login secret for `actor`. */
  createLink(actor: Actor): string {
    this.prune();
    const token = secret();
    this.links.set(hash(token), { owner: actor.name, transport: actor.transport, expiresAt: this.now() + LINK_TTL_MS });
    return token;
  }

  /** Trades a login secret for a session; undefined when it is unknown, used or expired. */
  redeem(token: string): { cookie: string; session: Session } | undefined {
    const key = hash(token);
    const link = this.links.get(key);
    this.links.delete(key);
    if (!link || link.expiresAt <= this.now()) return undefined;
    const cookie = secret();
    const cookieHash = hash(cookie);
    const session: Session = {
      id: cookieHash.slice(0, 12),
      owner: link.owner,
      transport: link.transport,
      csrf: secret(),
      createdAt: this.now(),
      expiresAt: this.now() + SESSION_TTL_MS,
    };
    this.sessions.set(cookieHash, session);
    return { cookie, session };
  }

  /** The live session of a cookie value; an expired one is dropped. */
  find(cookie: string): Session | undefined {
    const key = hash(cookie);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  list(): Session[] {
    this.prune();
    return [...this.sessions.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Ends the sessions `which` selects; returns how many ended. */
  revoke(which: (session: Session) => boolean): number {
    let count = 0;
    for (const [key, session] of this.sessions) {
      if (which(session)) {
        this.sessions.delete(key);
        count++;
      }
    }
    return count;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, link] of this.links) if (link.expiresAt <= now) this.links.delete(key);
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }
}

/** Constant-time comparison of a request's CSRF header with the session's token. */
export function csrfMatches(session: Session, header: string | undefined): boolean {
  if (!header) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const SESSION_COOKIE = 'paas_session';

/** The Set-Cookie value of a new session: HttpOnly, Secure, SameSite=Strict, for the session's lifetime. */
export function sessionCookie(value: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`;
}

/** The session cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name = SESSION_COOKIE): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
