import { UserError } from '../core/errors.js';

interface Holder {
  since: Date;
  what: string;
}

/** One deploy (or release change) per app at a time; a second one is refused, not queued. */
export class AppLocks {
  private readonly held = new Map<number, Holder>();

  isLocked(appId: number): boolean {
    return this.held.has(appId);
  }

  /** Runs fn under the lock, or skips it (undefined) while something else holds it. */
  async ifFree<T>(appId: number, what: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.held.has(appId)) return undefined;
    return this.withLock(appId, '', what, fn);
  }

  async withLock<T>(appId: number, app: string, what: string, fn: () => Promise<T>): Promise<T> {
    const holder = this.held.get(appId);
    if (holder) {
      throw new UserError(
        `a deploy of ${app} is in progress (since ${holder.since.toISOString().slice(11, 19)} UTC: ${holder.what}); wait for it to finish and try again`,
      );
    }
    this.held.set(appId, { since: new Date(), what });
    try {
      return await fn();
    } finally {
      this.held.delete(appId);
    }
  }
}
