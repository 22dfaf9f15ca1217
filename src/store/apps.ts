import type { Db } from './database.js';
import { now } from './database.js';

export interface AppRow {
  id: number;
  name: string;
  createdAt: string;
}

interface RawApp {
  id: number;
  name: string;
  created_at: string;
}

const toApp = (row: RawApp): AppRow => ({ id: row.id, name: row.name, createdAt: row.created_at });

export class AppsTable {
  constructor(private readonly db: Db) {}

  find(name: string): AppRow | undefined {
    const row = this.db.prepare('SELECT * FROM apps WHERE name = ?').get(name) as RawApp | undefined;
    return row && toApp(row);
  }

  list(): AppRow[] {
    return (this.db.prepare('SELECT * FROM apps ORDER BY name').all() as RawApp[]).map(toApp);
  }

  create(name: string): AppRow {
    const createdAt = now();
    const info = this.db.prepare('INSERT INTO apps (name, created_at) VALUES (?, ?)').run(name, createdAt);
    return { id: Number(info.lastInsertRowid), name, createdAt };
  }

  rename(oldName: string, newName: string): void {
    this.db.prepare('UPDATE apps SET name = ? WHERE name = ?').run(newName, oldName);
  }

  /** Removes the app and, through foreign keys, everything stored under it. */
  remove(name: string): void {
    this.db.prepare('DELETE FROM apps WHERE name = ?').run(name);
  }
}
