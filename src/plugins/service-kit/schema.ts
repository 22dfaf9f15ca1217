import type { PartMigrations } from '../../core/part.js';

/**
 * The tables every service plugin shares (one row per service, a `plugin` column tells them
 * apart), as the kit's own migrations. Append only. The first step keeps the tables an older
 * paas made in core's migrations: IF NOT EXISTS leaves them and their rows as they are.
 */
export const SERVICE_SCHEMA: PartMigrations = {
  schema: 'services',
  steps: [
    `
    CREATE TABLE IF NOT EXISTS services (
      id INTEGER PRIMARY KEY,
      plugin TEXT NOT NULL,
      name TEXT NOT NULL,
      image TEXT NOT NULL,
      password TEXT NOT NULL,
      -- NULL: no memory limit
      memory_mb INTEGER,
      -- where the data volume is mounted in the container
      data_path TEXT NOT NULL,
      -- 1 after a :stop, so the daemon leaves it stopped
      stopped INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      UNIQUE (plugin, name)
    );
    -- The link follows the app's id, so apps:rename keeps it; apps:destroy removes it.
    CREATE TABLE IF NOT EXISTS service_links (
      service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
      app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
      -- the config var holding the URL, e.g. DATABASE_URL
      env_key TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (service_id, app_id)
    );
    `,
    // expose: JSON list of {hostIp, hostPort}, one per port the service listens on ('[]': not exposed).
    // properties: JSON object of `<plugin>:set` values (post-create-network, post-start-network).
    `
    ALTER TABLE services ADD COLUMN exposed TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE services ADD COLUMN properties TEXT NOT NULL DEFAULT '{}';
    `,
  ],
};
