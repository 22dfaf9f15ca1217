import type { Readable, Writable } from 'node:stream';
import type { ServiceBackup } from '../../backups/backup-source.js';
import { UserError, oneLine } from '../../core/errors.js';
import { TailBuffer } from '../../core/tail-buffer.js';
import type { ServiceContext } from '../service-kit/context.js';
import type { ServiceRow } from '../service-kit/store.js';
import { POSTGRES_USER, databaseName } from './postgres-service.js';

/** pg_dump's custom format: compressed, and what pg_restore reads. */
export const pgDumpCommand = (service: string): string[] => [
  'pg_dump',
  '-Fc',
  '--no-acl',
  '--no-owner',
  '-U',
  POSTGRES_USER,
  '-d',
  databaseName(service),
];

/** Tables in the dump replace those with the same names. */
const pgRestoreCommand = (service: string): string[] => [
  'pg_restore',
  '--clean',
  '--if-exists',
  '--no-owner',
  '--no-acl',
  '-U',
  POSTGRES_USER,
  '-d',
  databaseName(service),
];

/** Runs pg_restore in the service's container on `input`; resolves with its exit code. */
export function restoreDump(
  pg: ServiceContext,
  service: ServiceRow,
  input: Readable,
  io: { stdout: Writable; stderr: Writable; signal: AbortSignal },
): Promise<number> {
  return pg.exec(service, { cmd: pgRestoreCommand(service.name), user: 'postgres', stdin: input, ...io });
}

/** postgres's half of backups: pg_dump out, pg_restore in. */
export function postgresBackup(pg: ServiceContext): ServiceBackup {
  return {
    extension: 'dump',
    async dump(name, output, signal) {
      const errors = new TailBuffer(2048);
      const code = await pg.exec(pg.requireService(name), {
        cmd: pgDumpCommand(name),
        user: 'postgres',
        stdout: output,
        stderr: errors.writer(),
        signal,
      });
      if (code !== 0) throw new UserError(`pg_dump exited with ${code}: ${oneLine(errors.text()) || 'no message'}`);
    },
    restore: (name, input, io) => restoreDump(pg, pg.requireService(name), input, io),
  };
}
