import { UserError } from '../core/errors.js';

interface Holder {
  since: Date;
  what: string;
  /** Background work (reconciling): a command waits for it instead of being refused. */
  background: boolean;
  done: Promise<void>;
  free(): void;
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

  /** What holds the app, when a deploy or another command does (background reconciling does not count). */
  holder(appId: number): { since: Date; what: string } | undefined {
    const holder = this.held.get(appId);
    return holder && !holder.background ? { since: holder.since, what: holder.what } : undefined;
  }

  /**
   * git:unlock --force: frees the app although the work that holds it has not ended (a deploy
   * stuck on a Docker call that never answers). The work goes on; the next command may start.
   */
  release(appId: number): boolean {
    const holder = this.held.get(appId);
    if (!holder) return false;
    this.held.delete(appId);
    holder.free();
    return true;
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
    let free!: () => void;
    const done = new Promise<void>((resolve) => (free = resolve));
    const holder: Holder = { since: new Date(), what, background, done, free };
    this.held.set(appId, holder);
    try {
      return await fn();
    } finally {
      // git:unlock --force may have freed the app already, and another command may hold it now.
      if (this.held.get(appId) === holder) this.held.delete(appId);
      free();
    }
  }
}
