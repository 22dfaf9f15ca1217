import type { Db } from './database.js';
import { now } from './database.js';

export type BuildStatus = 'running' | 'succeeded' | 'failed';

export interface BuildRow {
  id: number;
  appId: number;
  gitRev: string | null;
  status: BuildStatus;
  builder: string | null;
  image: string | null;
  actor: string;
  startedAt: string;
  finishedAt: string | null;
}

interface RawBuild {
  id: number;
  app_id: number;
  git_rev: string | null;
  status: BuildStatus;
  builder: string | null;
  image: string | null;
  actor: string;
  started_at: string;
  finished_at: string | null;
}

const toBuild = (row: RawBuild): BuildRow => ({
  id: row.id,
  appId: row.app_id,
  gitRev: row.git_rev,
  status: row.status,
  builder: row.builder,
  image: row.image,
  actor: row.actor,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

/** Every build of every app; their logs live in files named by build id. */
export class BuildsTable {
  constructor(private readonly db: Db) {}

  start(appId: number, gitRev: string | null, actor: string): BuildRow {
    const startedAt = now();
    const info = this.db
      .prepare("INSERT INTO builds (app_id, git_rev, status, actor, started_at) VALUES (?, ?, 'running', ?, ?)")
      .run(appId, gitRev, actor, startedAt);
    return this.get(Number(info.lastInsertRowid))!;
  }

  finish(id: number, status: Exclude<BuildStatus, 'running'>, details: { builder?: string; image?: string } = {}): void {
    this.db
      .prepare('UPDATE builds SET status = ?, finished_at = ?, builder = coalesce(?, builder), image = coalesce(?, image) WHERE id = ?')
      .run(status, now(), details.builder ?? null, details.image ?? null, id);
  }

  get(id: number): BuildRow | undefined {
    const row = this.db.prepare('SELECT * FROM builds WHERE id = ?').get(id) as RawBuild | undefined;
    return row && toBuild(row);
  }

  forApp(appId: number): BuildRow[] {
    return (this.db.prepare('SELECT * FROM builds WHERE app_id = ? ORDER BY id DESC').all(appId) as RawBuild[]).map(toBuild);
  }

  /** Ids of the builds running now. */
  runningIds(): Set<number> {
    return new Set((this.db.prepare("SELECT id FROM builds WHERE status = 'running'").all() as Array<{ id: number }>).map((r) => r.id));
  }

  /** Every build id there is (build log files of other ids are orphans). */
  allIds(): Set<number> {
    return new Set((this.db.prepare('SELECT id FROM builds').all() as Array<{ id: number }>).map((r) => r.id));
  }

  /** Forgets finished builds (the releases that came from them keep their image); running ones are never removed. */
  removeFinished(ids: readonly number[]): number {
    const remove = this.db.prepare("DELETE FROM builds WHERE id = ? AND status != 'running'");
    return this.db.transaction(() => ids.reduce((n, id) => n + remove.run(id).changes, 0))();
  }

  /** Builds left 'running' by a daemon that stopped mid-build. */
  failInterrupted(): number {
    return this.db.prepare("UPDATE builds SET status = 'failed', finished_at = ? WHERE status = 'running'").run(now()).changes;
  }
}
