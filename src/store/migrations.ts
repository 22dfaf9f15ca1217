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
  `
  CREATE TABLE ssh_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL UNIQUE,
    -- the authorized_keys line: "ssh-ed25519 AAAA... comment"
    public_key TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE builds (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    git_rev TEXT,
    -- running | succeeded | failed
    status TEXT NOT NULL,
    builder TEXT,
    image TEXT,
    actor TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    image TEXT NOT NULL,
    -- JSON: the app's merged env at the time of the release
    config TEXT NOT NULL,
    -- JSON: process type -> { command, count }
    formation TEXT NOT NULL,
    git_rev TEXT,
    build_id INTEGER REFERENCES builds(id) ON DELETE SET NULL,
    description TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (app_id, version)
  );
  `,
  `
  -- The port the web process listens on inside its container (PORT): 5000, or the image's EXPOSE.
  ALTER TABLE releases ADD COLUMN port INTEGER NOT NULL DEFAULT 5000;
  `,
  `
  -- app.json of the release's code (scripts and healthchecks), as JSON; NULL when it had none.
  ALTER TABLE releases ADD COLUMN app_json TEXT;
  `,
  `
  -- Was: the service plugins' tables (services, service_links). They are the service kit's own
  -- migrations now (src/plugins/service-kit/schema.ts), which keep the tables made here before.
  SELECT 1;
  `,
  `
  -- The Procfile release command of the release's code (it runs on deploys only); NULL: none.
  ALTER TABLE releases ADD COLUMN release_command TEXT;
  `,
  `
  -- Each part's own tables are versioned here, one row per schema (see store/part-migrations.ts).
  CREATE TABLE part_schemas (
    schema TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  );
  `,
];
