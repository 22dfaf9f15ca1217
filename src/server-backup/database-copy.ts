import type { Db } from '../store/database.js';

/** Bookkeeping of the schema itself: the live database's own, never replaced by a backup's. */
const SCHEMA_TABLES = new Set(['part_schemas']);

/** A consistent copy of the live database while the daemon runs (SQLite's online backup). */
export async function snapshotDatabase(db: Db, file: string): Promise<void> {
  await db.backup(file);
}

/**
 * Replaces the rows of every table the live database and the snapshot share with the snapshot's
 * rows (the columns they share), in one transaction: all tables land, or none. Returns the
 * tables copied.
 */
export function restoreTables(db: Db, snapshot: string): string[] {
  db.prepare('ATTACH DATABASE ? AS backup').run(snapshot);
  try {
    const tablesOf = (schema: 'main' | 'backup') =>
      (
        db.prepare(`SELECT name FROM ${schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as Array<{
          name: string;
        }>
      ).map((row) => row.name);
    const theirs = new Set(tablesOf('backup'));
    const tables = tablesOf('main').filter((name) => theirs.has(name) && !SCHEMA_TABLES.has(name));
    const columnsOf = (schema: 'main' | 'backup', table: string) =>
      (db.prepare(`SELECT name FROM pragma_table_info(?, ?)`).all(table, schema) as Array<{ name: string }>).map((row) => row.name);
    db.transaction(() => {
      db.pragma('defer_foreign_keys = ON');
      for (const table of tables) db.prepare(`DELETE FROM main.${quote(table)}`).run();
      for (const table of tables) {
        const shared = new Set(columnsOf('backup', table));
        const columns = columnsOf('main', table)
          .filter((column) => shared.has(column))
          .map(quote)
          .join(', ');
        db.prepare(`INSERT INTO main.${quote(table)} (${columns}) SELECT ${columns} FROM backup.${quote(table)}`).run();
      }
    })();
    return tables;
  } finally {
    db.prepare('DETACH DATABASE backup').run();
  }
}

/** Release and build images named after the old install (`paas-OLD/app:v3`) take this one's name. */
export function renameImages(db: Db, from: string, to: string): void {
  const prefix = `paas-${from}/`;
  for (const table of ['releases', 'builds']) {
    db.prepare(`UPDATE ${table} SET image = ? || substr(image, ?) WHERE image LIKE ? ESCAPE '\\'`).run(
      `paas-${to}/`,
      prefix.length + 1,
      `${prefix.replace(/[\\%_]/g, '\\$&')}%`,
    );
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
