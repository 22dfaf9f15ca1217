import type { Db } from './database.js';

/** A part's settings, per app or global (app null), like Dokku's `*:set` properties. */
export class PropertiesTable {
  constructor(private readonly db: Db) {}

  get(appId: number | null, namespace: string, key: string): string | undefined {
    const row = this.db
      .prepare('SELECT value FROM properties WHERE app_id IS ? AND namespace = ? AND key = ?')
      .get(appId, namespace, key) as { value: string } | undefined;
    return row?.value;
  }

  /** The app's value, else the global one. */
  effective(appId: number, namespace: string, key: string): string | undefined {
    return this.get(appId, namespace, key) ?? this.get(null, namespace, key);
  }

  set(appId: number | null, namespace: string, key: string, value: string | undefined): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM properties WHERE app_id IS ? AND namespace = ? AND key = ?').run(appId, namespace, key);
      if (value !== undefined) {
        this.db.prepare('INSERT INTO properties (app_id, namespace, key, value) VALUES (?, ?, ?, ?)').run(appId, namespace, key, value);
      }
    })();
  }

  all(appId: number | null, namespace: string): Record<string, string> {
    const rows = this.db
      .prepare('SELECT key, value FROM properties WHERE app_id IS ? AND namespace = ? ORDER BY key')
      .all(appId, namespace) as Array<{ key: string; value: string }>;
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  /** Whether any app or the global settings hold this value for the key. */
  anyHolds(namespace: string, key: string, value: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM properties WHERE namespace = ? AND key = ? AND value = ? LIMIT 1').get(namespace, key, value) !==
      undefined
    );
  }

  /** Copies an app's settings to another app, leaving out those `skip` names (apps:clone). */
  copyApp(fromAppId: number, toAppId: number, skip: (namespace: string, key: string) => boolean): void {
    const rows = this.db.prepare('SELECT namespace, key, value FROM properties WHERE app_id = ?').all(fromAppId) as Array<{
      namespace: string;
      key: string;
      value: string;
    }>;
    this.db.transaction(() => {
      for (const row of rows) if (!skip(row.namespace, row.key)) this.set(toAppId, row.namespace, row.key, row.value);
    })();
  }
}
