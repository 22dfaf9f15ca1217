import type { Db } from './database.js';
import { now } from './database.js';

/** How many containers of each process type run, and what they run (Procfile command, if any). */
export type Formation = Record<string, { count: number; command: string | null }>;

export interface ReleaseRow {
  id: number;
  appId: number;
  version: number;
  image: string;
  config: Record<string, string>;
  formation: Formation;
  port: number;
  gitRev: string | null;
  buildId: number | null;
  /** The release code's app.json text (scripts, healthchecks); null when it had none. */
  appJson: string | null;
  /** The Procfile `release` command of the release's code; it runs when a deploy publishes it. */
  releaseCommand: string | null;
  description: string;
  actor: string;
  createdAt: string;
}

interface RawRelease {
  id: number;
  app_id: number;
  version: number;
  image: string;
  config: string;
  formation: string;
  port: number;
  git_rev: string | null;
  build_id: number | null;
  app_json: string | null;
  release_command: string | null;
  description: string;
  actor: string;
  created_at: string;
}

const toRelease = (row: RawRelease): ReleaseRow => ({
  id: row.id,
  appId: row.app_id,
  version: row.version,
  image: row.image,
  config: JSON.parse(row.config) as Record<string, string>,
  formation: JSON.parse(row.formation) as Formation,
  port: row.port,
  gitRev: row.git_rev,
  buildId: row.build_id,
  appJson: row.app_json,
  releaseCommand: row.release_command,
  description: row.description,
  actor: row.actor,
  createdAt: row.created_at,
});

export type NewRelease = Omit<ReleaseRow, 'id' | 'version' | 'createdAt'>;

/** Heroku's model: every change to what runs is a numbered, immutable release. */
export class ReleasesTable {
  constructor(private readonly db: Db) {}

  nextVersion(appId: number): number {
    const row = this.db.prepare('SELECT max(version) AS v FROM releases WHERE app_id = ?').get(appId) as { v: number | null };
    return (row.v ?? 0) + 1;
  }

  add(release: NewRelease): ReleaseRow {
    return this.db.transaction(() => {
      const version = this.nextVersion(release.appId);
      const info = this.db
        .prepare(
          `INSERT INTO releases (app_id, version, image, config, formation, port, git_rev, build_id, app_json, release_command, description, actor, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          release.appId,
          version,
          release.image,
          JSON.stringify(release.config),
          JSON.stringify(release.formation),
          release.port,
          release.gitRev,
          release.buildId,
          release.appJson,
          release.releaseCommand,
          release.description,
          release.actor,
          now(),
        );
      return this.byId(Number(info.lastInsertRowid))!;
    })();
  }

  /** Scaling changes the counts of the running release in place: it is not a new release (Heroku). */
  setFormation(id: number, formation: Formation): void {
    this.db.prepare('UPDATE releases SET formation = ? WHERE id = ?').run(JSON.stringify(formation), id);
  }

  byId(id: number): ReleaseRow | undefined {
    const row = this.db.prepare('SELECT * FROM releases WHERE id = ?').get(id) as RawRelease | undefined;
    return row && toRelease(row);
  }

  current(appId: number): ReleaseRow | undefined {
    const row = this.db.prepare('SELECT * FROM releases WHERE app_id = ? ORDER BY version DESC LIMIT 1').get(appId) as
      | RawRelease
      | undefined;
    return row && toRelease(row);
  }

  version(appId: number, version: number): ReleaseRow | undefined {
    const row = this.db.prepare('SELECT * FROM releases WHERE app_id = ? AND version = ?').get(appId, version) as RawRelease | undefined;
    return row && toRelease(row);
  }

  forApp(appId: number): ReleaseRow[] {
    return (this.db.prepare('SELECT * FROM releases WHERE app_id = ? ORDER BY version DESC').all(appId) as RawRelease[]).map(toRelease);
  }
}
