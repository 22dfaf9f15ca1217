/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE apps (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  -- app_id NULL holds the --global scope that every app inherits.
  CREATE TABLE config_vars (
    app_id INTEGER REFERENCES apps(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL
  );
  CREATE UNIQUE INDEX config_vars_scope_key ON config_vars (ifnull(app_id, 0), key);
  -- Per-app and global settings of each part (git:set, builder:set, nginx:set, ...).
  CREATE TABLE properties (
    app_id INTEGER REFERENCES apps(id) ON DELETE CASCADE,
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL
  );
  CREATE UNIQUE INDEX properties_scope_key ON properties (ifnull(app_id, 0), namespace, key);
  CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
  );
  `,
];
