import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Part, PartApi } from '../../../src/core/part.js';
import { assertOwnCommands, orderParts, topicOwners } from '../../../src/core/part-order.js';
import { registerParts } from '../../../src/core/part-registration.js';
import { CommandRegistry } from '../../../src/core/registry.js';
import { dockerOptions } from '../../../src/docker/client.js';
import { migrate } from '../../../src/store/database.js';
import { mergeSchemas, migrateParts, schemaVersion } from '../../../src/store/part-migrations.js';
import { SERVICE_SCHEMA } from '../../../src/plugins/service-kit/schema.js';

const part = (name: string, extra: Partial<Part> = {}): Part => ({ name, description: name, register: () => undefined, ...extra });
const names = (parts: Part[]) => parts.map((p) => p.name);

describe('part order', () => {
  it('keeps list order when nothing is declared', () => {
    expect(names(orderParts([part('a'), part('b'), part('c')]))).toEqual(['a', 'b', 'c']);
  });

  it('moves a part after the parts it names', () => {
    expect(names(orderParts([part('redis', { after: ['deploy'] }), part('help'), part('deploy')]))).toEqual(['deploy', 'redis', 'help']);
  });

  it('refuses unknown names, duplicates and circles', () => {
    expect(() => orderParts([part('a', { after: ['nope'] })])).toThrow(/"a" must come after "nope", which is not loaded/);
    expect(() => orderParts([part('a'), part('a')])).toThrow(/two parts are named "a"/);
    expect(() => orderParts([part('a', { after: ['b'] }), part('b', { after: ['a'] })])).toThrow(/circle: a -> b -> a/);
  });
});

describe('command topics', () => {
  it('refuses two owners of one topic', () => {
    expect(() => topicOwners([part('a', { topics: ['redis'] }), part('b', { topics: ['redis'] })])).toThrow(/"a" and "b" both claim/);
  });

  it('refuses commands outside the declared topics or in another part’s topic', () => {
    const owners = topicOwners([part('postgres', { topics: ['postgres'] })]);
    expect(() => assertOwnCommands(part('redis', { topics: ['redis'] }), ['redis:create', 'apps:list'], owners)).toThrow(
      /outside its topics/,
    );
    expect(() => assertOwnCommands(part('core'), ['postgres:create'], owners)).toThrow(/belongs to part "postgres"/);
    expect(() => assertOwnCommands(part('postgres', { topics: ['postgres'] }), ['postgres', 'postgres:create'], owners)).not.toThrow();
  });

  it('registers in declared order and checks each part as it registers', () => {
    const seen: string[] = [];
    const api = { commands: new CommandRegistry() } as unknown as PartApi;
    const spec = (name: string) => ({
      name,
      summary: name,
      usage: '',
      examples: [],
      arity: [0, 0] as [number, number],
      handler: () => undefined,
    });
    const ordered = registerParts(
      [
        part('b', {
          after: ['a'],
          topics: ['b'],
          register: ({ commands }) => {
            seen.push('b');
            commands.register(spec('b:x'));
          },
        }),
        part('a', { register: () => void seen.push('a') }),
      ],
      api,
    );
    expect(names(ordered)).toEqual(['a', 'b']);
    expect(seen).toEqual(['a', 'b']);
    expect(api.commands.find('b:x')).toBeDefined();
  });
});

describe('part migrations', () => {
  const fresh = () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    return db;
  };

  it('make the service tables on a new database, once', () => {
    const db = fresh();
    migrate(db);
    migrateParts(db, [SERVICE_SCHEMA, SERVICE_SCHEMA]);
    migrateParts(db, [SERVICE_SCHEMA]);
    expect(schemaVersion(db, 'services')).toBe(SERVICE_SCHEMA.steps.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('services', 'service_links') ORDER BY name").pluck().all()).toEqual([
      'service_links',
      'services',
    ]);
  });

  it('keep every service and link of a database made when core owned those tables', () => {
    const db = fresh();
    // The schema of the last paas before part migrations: core migrations 1-6, services in the fifth.
    db.exec(`
      CREATE TABLE apps (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
      CREATE TABLE services (id INTEGER PRIMARY KEY, plugin TEXT NOT NULL, name TEXT NOT NULL, image TEXT NOT NULL,
        password TEXT NOT NULL, memory_mb INTEGER, data_path TEXT NOT NULL, stopped INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, UNIQUE (plugin, name));
      CREATE TABLE service_links (service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE, env_key TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (service_id, app_id));
      INSERT INTO apps VALUES (1, 'blog', 'then');
      INSERT INTO services VALUES (1, 'postgres', 'blog-db', 'postgres:15', 'secret123', NULL, '/var/lib/postgresql/data', 0, 'then');
      INSERT INTO service_links VALUES (1, 1, 'DATABASE_URL', 'then');
    `);
    // Only the tables the test needs; record that core's first six migrations ran.
    db.exec(`CREATE TABLE config_vars (x); CREATE TABLE properties (x); CREATE TABLE api_tokens (x);
      CREATE TABLE ssh_keys (x); CREATE TABLE builds (x); CREATE TABLE releases (x)`);
    db.pragma('user_version = 6');
    migrate(db);
    migrateParts(db, [SERVICE_SCHEMA]);
    expect(db.prepare('SELECT plugin, name, password FROM services').all()).toEqual([
      { plugin: 'postgres', name: 'blog-db', password: 'secret123' },
    ]);
    expect(db.prepare('SELECT env_key FROM service_links').pluck().all()).toEqual(['DATABASE_URL']);
    // Services made before expose and set are neither exposed nor have properties.
    expect(db.prepare('SELECT exposed, properties FROM services').get()).toEqual({ exposed: '[]', properties: '{}' });
  });

  it('take the longer of two copies of one schema, and refuse copies that differ', () => {
    expect(
      mergeSchemas([
        { schema: 's', steps: ['a'] },
        { schema: 's', steps: ['a', 'b'] },
      ]),
    ).toEqual([{ schema: 's', steps: ['a', 'b'] }]);
    expect(() =>
      mergeSchemas([
        { schema: 's', steps: ['a'] },
        { schema: 's', steps: ['x', 'b'] },
      ]),
    ).toThrow(/different migrations/);
  });
});

describe('docker client options', () => {
  it('follow DOCKER_HOST', () => {
    expect(dockerOptions(undefined)).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerOptions('unix:///run/user/1000/docker.sock')).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(dockerOptions('tcp://10.0.0.2:2376')).toEqual({ protocol: 'http', host: '10.0.0.2', port: 2376 });
    expect(() => dockerOptions('ssh://me@host')).toThrow(/DOCKER_HOST must be/);
  });
});
