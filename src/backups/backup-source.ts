import type { Readable, Writable } from 'node:stream';

/**
 * What a service plugin gives the backup module: its name, how to check a service exists, and
 * its dump and restore as streams. Everything else (destinations, encryption, schedules, the
 * report) is the backup module's, the same for every service.
 */
export interface BackupSource {
  /** The command topic and the first word of every backup's name: `postgres`. */
  plugin: string;
  /** The extension of a dump, without the dot: `dump` (pg_dump -Fc), `rdb`. */
  extension: string;
  /** Throws the plugin's usual one-line error for a bad or unknown service name. */
  assertService(name: string): void;
  /** Writes a dump of the service to `output`; throws a UserError naming the cause when it fails. */
  dump(service: string, output: Writable, signal: AbortSignal): Promise<void>;
  /** Reads a dump from `input` into the service, its messages on stdout/stderr; resolves with an exit code. */
  restore(service: string, input: Readable, io: { stdout: Writable; stderr: Writable; signal: AbortSignal }): Promise<number>;
}

/** A service plugin's own half of a BackupSource: the kit adds its name and the service check. */
export type ServiceBackup = Pick<BackupSource, 'extension' | 'dump' | 'restore'>;
