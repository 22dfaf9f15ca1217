import { mkdir, realpath, stat } from 'node:fs/promises';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { isInside } from './destination.js';

/**
 * Who may name server paths for backups: root through the local socket anywhere; remote callers
 * (SSH keys, API tokens) only inside paas's own backup folder, so they never write or read
 * other files of the server.
 */
export interface FolderPolicy {
  local: boolean;
  /** $PAAS_HOME/backups: the folder remote callers are held to. */
  root: string;
}

/** Makes the folder backups go to (0700), after checking the caller may use it; returns its real path. */
export async function prepareBackupFolder(folder: string, policy: FolderPolicy): Promise<string> {
  assertAllowed(folder, policy);
  await mkdir(policy.root, { recursive: true, mode: 0o700 });
  await mkdir(folder, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot make the backup folder ${printable(folder)}: ${error.code ?? error.message}`);
  });
  const real = await realpath(folder);
  assertAllowed(real, policy);
  if (!(await stat(real)).isDirectory()) throw new UserError(`${printable(folder)} is not a folder`);
  return real;
}

/** A backup file to restore: a regular file the caller may read. Returns its real path. */
export async function backupFileToRead(path: string, policy: FolderPolicy): Promise<string> {
  assertAllowed(path, policy);
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read the backup ${printable(path)}: ${error.code ?? error.message}`);
  });
  assertAllowed(real, policy);
  if (!(await stat(real)).isFile()) throw new UserError(`the backup ${printable(path)} is not a regular file`);
  return real;
}

/** Refuses a path the caller may not use (lexically; the real path is checked again when it is used). */
export function assertAllowed(path: string, policy: FolderPolicy): void {
  if (policy.local || isInside(policy.root, path)) return;
  throw new UserError(
    `${printable(path)} is outside ${policy.root}: from a remote client, backups on the server go under that folder ` +
      `(file://${policy.root}/NAME); other server folders only through the paas command on the server`,
  );
}
