import { UserError } from '../core/errors.js';

interface Holder {
  since: Date;
  what: string;
  /** Background work (reconciling): a command waits for it instead of being refused. */
  background: boolean;
  done: Promise<void>;
}

/**
 * One deploy (or release change) per app at a time; a second one is refused, not queued. Short
 * background work (reconciling) only delays a command until it is over.
 */
export class AppLocks {
  private readonly held = new Map<number, Holder>();

  /** Whether a deploy or another command holds the app (background reconciling does not count). */
  isLocked(appId: number): boolean {
    const holder = this.held.get(appId);
    return holder !== undefined && !holder.background;
  }

  /** Runs fn under the lock as background work, or skips it (undefined) while something else holds it. */
  async ifFree<T>(appId: number, what: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.held.has(appId)) return undefined;
    return this.hold(appId, what, true, fn);
  }

  async withLock<T>(appId: number, app: string, what: string, fn: () => Promise<T>): Promise<T> {
    for (let holder = this.held.get(appId); holder; holder = this.held.get(appId)) {
      if (!holder.background) {
        throw new UserError(
          `a deploy of ${app} is in progress (since ${holder.since.toISOString().slice(11, 19)} UTC: ${holder.what}); wait for it to finish and try again`,
        );
      }
      await holder.done;
    }
    return this.hold(appId, what, false, fn);
  }

  private async hold<T>(appId: number, what: string, background: boolean, fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.held.set(appId, { since: new Date(), what, background, done });
    try {
      return await fn();
    } finally {
      this.held.delete(appId);
      release();
    }
  }
}
