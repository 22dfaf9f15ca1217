import type { Db } from '../../store/database.js';
import { now } from '../../store/database.js';

/** One plugin's rows in the `services` and `service_links` tables that every service plugin shares. */

export interface ServiceRow {
  id: number;
  name: string;
  /** The image it runs, with tag: `postgres:15` or `paas/postgres:15`. */
  image: string;
  password: string;
  memoryMb: number | null;
  dataPath: string;
  /** Stopped on purpose (`<plugin>:stop`): the daemon leaves it so. */
  stopped: boolean;
  /** `<plugin>:expose`: the host addresses its port is published on; empty when not exposed. */
  exposed: ExposedPort[];
  /** `<plugin>:set` values, by key. */
  properties: Record<string, string>;
  createdAt: string;
}

/** One published port: the service's port on hostIp:hostPort. */
export interface ExposedPort {
  hostIp: string;
  hostPort: number;
}

/** What a service is made from; the row adds its id, state and creation time. */
export type ServiceSpec = Omit<ServiceRow, 'id' | 'createdAt' | 'stopped' | 'exposed' | 'properties'> &
  Partial<Pick<ServiceRow, 'exposed' | 'properties'>>;

export interface LinkRow {
  service: string;
  app: string;
  appId: number;
  envKey: string;
  createdAt: string;
}

interface RawService {
  id: number;
  name: string;
  image: string;
  password: string;
  memory_mb: number | null;
  data_path: string;
  stopped: number;
  exposed: string;
  properties: string;
  created_at: string;
}

interface RawLink {
  service: string;
  app: string;
  app_id: number;
  env_key: string;
  created_at: string;
}

const toService = (row: RawService): ServiceRow => ({
  id: row.id,
  name: row.name,
  image: row.image,
  password: row.password,
  memoryMb: row.memory_mb,
  dataPath: row.data_path,
  stopped: row.stopped === 1,
  exposed: JSON.parse(row.exposed) as ExposedPort[],
  properties: JSON.parse(row.properties) as Record<string, string>,
  createdAt: row.created_at,
});

const toLink = (row: RawLink): LinkRow => ({
  service: row.service,
  app: row.app,
  appId: row.app_id,
  envKey: row.env_key,
  createdAt: row.created_at,
});

const LINKS = `
  SELECT s.name AS service, a.name AS app, a.id AS app_id, l.env_key, l.created_at
  FROM service_links l JOIN services s ON s.id = l.service_id JOIN apps a ON a.id = l.app_id
  WHERE s.plugin = ?`;

export class ServiceStore {
  constructor(
    private readonly db: Db,
    readonly plugin: string,
  ) {}

  find(name: string): ServiceRow | undefined {
    const row = this.db.prepare('SELECT * FROM services WHERE plugin = ? AND name = ?').get(this.plugin, name) as RawService | undefined;
    return row && toService(row);
  }

  list(): ServiceRow[] {
    return (this.db.prepare('SELECT * FROM services WHERE plugin = ? ORDER BY name').all(this.plugin) as RawService[]).map(toService);
  }

  create(service: ServiceSpec): ServiceRow {
    const createdAt = now();
    const info = this.db
      .prepare(
        'INSERT INTO services (plugin, name, image, password, memory_mb, data_path, stopped, exposed, properties, created_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)',
      )
      .run(
        this.plugin,
        service.name,
        service.image,
        service.password,
        service.memoryMb,
        service.dataPath,
        JSON.stringify(service.exposed ?? []),
        JSON.stringify(service.properties ?? {}),
        createdAt,
      );
    return { exposed: [], properties: {}, ...service, id: Number(info.lastInsertRowid), stopped: false, createdAt };
  }

  setExposed(name: string, exposed: readonly ExposedPort[]): void {
    this.db.prepare('UPDATE services SET exposed = ? WHERE plugin = ? AND name = ?').run(JSON.stringify(exposed), this.plugin, name);
  }

  setProperties(name: string, properties: Record<string, string>): void {
    this.db.prepare('UPDATE services SET properties = ? WHERE plugin = ? AND name = ?').run(JSON.stringify(properties), this.plugin, name);
  }

  /** upgrade: the image it runs. */
  setImage(name: string, image: string): void {
    this.db.prepare('UPDATE services SET image = ? WHERE plugin = ? AND name = ?').run(image, this.plugin, name);
  }

  setStopped(name: string, stopped: boolean): void {
    this.db.prepare('UPDATE services SET stopped = ? WHERE plugin = ? AND name = ?').run(stopped ? 1 : 0, this.plugin, name);
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM services WHERE plugin = ? AND name = ?').run(this.plugin, name);
  }

  linksOf(service: string): LinkRow[] {
    return (this.db.prepare(`${LINKS} AND s.name = ? ORDER BY a.name`).all(this.plugin, service) as RawLink[]).map(toLink);
  }

  linksOfApp(appId: number): LinkRow[] {
    return (this.db.prepare(`${LINKS} AND a.id = ? ORDER BY s.name`).all(this.plugin, appId) as RawLink[]).map(toLink);
  }

  link(serviceId: number, appId: number, envKey: string): void {
    this.db
      .prepare('INSERT INTO service_links (service_id, app_id, env_key, created_at) VALUES (?, ?, ?, ?)')
      .run(serviceId, appId, envKey, now());
  }

  /** promote: the config var a link sets. */
  setLinkKey(serviceId: number, appId: number, envKey: string): void {
    this.db.prepare('UPDATE service_links SET env_key = ? WHERE service_id = ? AND app_id = ?').run(envKey, serviceId, appId);
  }

  unlink(serviceId: number, appId: number): void {
    this.db.prepare('DELETE FROM service_links WHERE service_id = ? AND app_id = ?').run(serviceId, appId);
  }
}
