import type { Db } from '../../store/database.js';
import type { ReservedPort } from '../../proxy/port-map.js';
import type { ExposedPort } from './store.js';
import { SERVICE_PROPERTIES, type ServiceProperty } from './properties.js';

/**
 * What services of every plugin hold that other parts must not take away: host ports a
 * `<plugin>:expose` publishes (app port mappings refuse them) and networks a `<plugin>:set`
 * names (network:destroy refuses them). Read from the `services` table all service plugins share.
 */
interface UsageRow {
  plugin: string;
  name: string;
  exposed: string;
  properties: string;
}

function rows(db: Db): UsageRow[] {
  // No service plugin loaded (a daemon without the services schema): nothing is held.
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'services'").get();
  if (!table) return [];
  return db.prepare('SELECT plugin, name, exposed, properties FROM services ORDER BY plugin, name').all() as UsageRow[];
}

/** The host ports exposed services publish, as ports nothing else may use. */
export function exposedServicePorts(db: Db): ReservedPort[] {
  return rows(db).flatMap((row) =>
    (JSON.parse(row.exposed) as ExposedPort[]).map((p) => ({
      port: p.hostPort,
      scheme: 'other' as const,
      what: `${row.plugin} service ${row.name} (${row.plugin}:expose)`,
    })),
  );
}

/** The services set to join network:create'd network `network`, as `plugin service NAME (plugin:set ... KEY)`. */
export function servicesOnNetwork(db: Db, network: string): string[] {
  return rows(db).flatMap((row) => {
    const properties = JSON.parse(row.properties) as Record<string, string>;
    const keys = (Object.keys(SERVICE_PROPERTIES) as ServiceProperty[]).filter((key) =>
      (properties[key] ?? '').split(' ').includes(network),
    );
    return keys.length
      ? [`${row.plugin} service ${row.name} (${keys.map((key) => `${row.plugin}:set ${row.name} ${key}`).join(', ')})`]
      : [];
  });
}
