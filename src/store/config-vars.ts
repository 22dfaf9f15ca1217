import type { Db } from './database.js';

/** null is the global scope, inherited by every app. */
export type ConfigScope = number | null;

export class ConfigVarsTable {
  constructor(private readonly db: Db) {}

  /** The scope's own vars, sorted by key. */
  all(scope: ConfigScope): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM config_vars WHERE app_id IS ? ORDER BY key').all(scope) as Array<{
      key: string;
      value: string;
    }>;
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  /** What the app's containers see: global vars, overridden by the app's own. */
  effective(appId: number): Record<string, string> {
    const merged = { ...this.all(null), ...this.all(appId) };
    return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Sets several vars in one transaction: all land or none. */
  set(scope: ConfigScope, vars: Record<string, string>): void {
    const remove = this.db.prepare('DELETE FROM config_vars WHERE app_id IS ? AND key = ?');
    const insert = this.db.prepare('INSERT INTO config_vars (app_id, key, value) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(vars)) {
        remove.run(scope, key);
        insert.run(scope, key, value);
      }
    })();
  }

  unset(scope: ConfigScope, keys: readonly string[]): void {
    const remove = this.db.prepare('DELETE FROM config_vars WHERE app_id IS ? AND key = ?');
    this.db.transaction(() => {
      for (const key of keys) remove.run(scope, key);
    })();
  }

  /** The scope's vars become exactly these, in one transaction. */
  replace(scope: ConfigScope, vars: Record<string, string>): void {
    this.db.transaction(() => {
      this.clear(scope);
      this.set(scope, vars);
    })();
  }

  clear(scope: ConfigScope): void {
    this.db.prepare('DELETE FROM config_vars WHERE app_id IS ?').run(scope);
  }
}
