import type { Part } from '../../core/part.js';
import { servicePart } from '../service-kit/service-part.js';
import { postgresBackup } from './backup-source.js';
import { registerDataCommands } from './data-commands.js';
import { POSTGRES } from './postgres-service.js';

/**
 * The postgres service plugin, shaped like dokku-postgres: the service kit's commands for the
 * POSTGRES definition, plus psql (connect) and pg_dump/pg_restore (export, import, and the kit's backups).
 */
export function postgresPlugin(): Part {
  return servicePart(POSTGRES, {
    description: 'postgres:* commands: database services linked to apps by DATABASE_URL',
    register: registerDataCommands,
    backup: postgresBackup,
  });
}
