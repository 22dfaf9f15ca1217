import type { Db } from './database.js';
import { now } from './database.js';

export interface ApiTokenRow {
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface RawToken {
  name: string;
  created_at: string;
  last_used_at: string | null;
}

const toToken = (row: RawToken): ApiTokenRow => ({
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

/** Only hashes are stored; a token is shown once, when it is created. */
export class ApiTokensTable {
  constructor(private readonly db: Db) {}

  add(name: string, tokenHash: string): void {
    this.db.prepare('INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)').run(name, tokenHash, now());
  }

  exists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM api_tokens WHERE name = ?').get(name) !== undefined;
  }

  /** The token's name if the hash is known, recording the use. */
  use(tokenHash: string): string | undefined {
    const row = this.db.prepare('SELECT name FROM api_tokens WHERE token_hash = ?').get(tokenHash) as { name: string } | undefined;
    if (row) this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE name = ?').run(now(), row.name);
    return row?.name;
  }

  list(): ApiTokenRow[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY name').all() as RawToken[]).map(toToken);
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE name = ?').run(name).changes > 0;
  }
}
