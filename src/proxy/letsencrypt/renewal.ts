/** When certificates renew and how failed renewals back off. Pure. */

/** The moment renewal starts: `graceSeconds` before expiry. */
export function renewalTime(expiresAt: Date, graceSeconds: number): Date {
  return new Date(expiresAt.getTime() - graceSeconds * 1000);
}

export function renewalDue(expiresAt: Date, graceSeconds: number, now: Date): boolean {
  return renewalTime(expiresAt, graceSeconds) <= now;
}

/** Doubling waits after each failure in a row, starting at `baseMs`, at most a day. */
export function retryDelayMs(failures: number, baseMs: number): number {
  const day = 24 * 3600 * 1000;
  return Math.min(day, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 20)));
}

/** "12d 3h", "5h 2m", "40s", or "now" when the moment has passed. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return 'now';
  const s = Math.floor(ms / 1000);
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
