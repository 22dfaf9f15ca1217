import type { Actor, FlagValues } from '../core/command.js';
import type { Backups, RestoreInput } from './backups.js';

/** The flags a plugin's import command adds to restore a backup: --from and --use-iam. */
export const RESTORE_FLAGS = {
  from: { type: 'string', description: 'a backup: BUCKET/OBJECT or file:///PATH', placeholder: 'BACKUP' },
  'use-iam': { type: 'boolean', short: 'u', description: "with --from: use the server's own AWS credentials" },
} as const;

/**
 * For an import command: the backup named by --from, fetched and decrypted into a file, or
 * undefined when the dump comes on standard input.
 */
export async function fetchRestoreInput(
  backups: Backups | undefined,
  service: string,
  flags: FlagValues,
  actor: Actor,
  signal: AbortSignal,
): Promise<RestoreInput | undefined> {
  if (typeof flags.from !== 'string') return undefined;
  if (!backups) throw new Error('this plugin has no backups');
  return backups.fetchForRestore(service, flags.from, { useIam: flags['use-iam'] === true, local: actor.transport === 'socket', signal });
}
