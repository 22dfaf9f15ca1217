import type { PartMigrations } from '../core/part.js';
import type { Db } from './database.js';

/**
 * The parts' own tables. Each schema's version is a row of part_schemas (core's tables keep
 * PRAGMA user_version); its steps run in order, each once, in one transaction per step.
 */
export function migrateParts(db: Db, declared: ReadonlyArray<PartMigrations | undefined>): void {
  for (const schema of mergeSchemas(declared)) migrateSchema(db, schema);
}

/**
 * One entry per schema name. Parts on one kit declare the same schema: the longest list wins,
 * and the shorter ones must be its beginning (an older copy of the same kit). Pure.
 */
export function mergeSchemas(declared: ReadonlyArray<PartMigrations | undefined>): PartMigrations[] {
  const bySchema = new Map<string, PartMigrations>();
  for (const migrations of declared) {
    if (!migrations) continue;
    const known = bySchema.get(migrations.schema);
    const [shorter, longer] = !known || known.steps.length <= migrations.steps.length ? [known, migrations] : [migrations, known];
    if (shorter?.steps.some((step, index) => step !== longer.steps[index])) {
      throw new Error(`two parts declare different migrations for the schema "${migrations.schema}"`);
    }
    bySchema.set(migrations.schema, longer);
  }
  return [...bySchema.values()];
}

export function schemaVersion(db: Db, schema: string): number {
  const row = db.prepare('SELECT version FROM part_schemas WHERE schema = ?').get(schema) as { version: number } | undefined;
  return row?.version ?? 0;
}

function migrateSchema(db: Db, { schema, steps }: PartMigrations): void {
  const applied = schemaVersion(db, schema);
  if (applied > steps.length) {
    throw new Error(`the tables of "${schema}" are at version ${applied}, newer than this paas knows (${steps.length}); upgrade paas`);
  }
  for (let version = applied; version < steps.length; version++) {
    db.transaction(() => {
      db.exec(steps[version]);
      db.prepare(
        'INSERT INTO part_schemas (schema, version) VALUES (?, ?) ON CONFLICT (schema) DO UPDATE SET version = excluded.version',
      ).run(schema, version + 1);
    })();
  }
}
