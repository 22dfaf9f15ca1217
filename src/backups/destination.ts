import { isAbsolute, normalize, relative, sep } from 'node:path';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

/** Where backups go: a bucket (with an optional key prefix) or a folder on the server. */
export type Destination = { kind: 's3'; bucket: string; prefix: string } | { kind: 'file'; folder: string };

/** One backup: an object in a bucket or a file on the server. */
export type BackupLocation = { kind: 's3'; bucket: string; key: string } | { kind: 'file'; path: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PART = /^[A-Za-z0-9._-]+$/;

/** `BUCKET`, `BUCKET/PREFIX` (or with s3://), or `file:///FOLDER`. Pure. */
export function parseDestination(text: string): Destination {
  if (text.startsWith('file:')) return { kind: 'file', folder: filePath(text, 'folder') };
  const [bucket, key] = splitBucket(text, 'destination');
  return { kind: 's3', bucket, prefix: key ? `${key}/` : '' };
}

/** `BUCKET/KEY` (or s3://BUCKET/KEY) or `file:///PATH/FILE`: a backup to restore. Pure. */
export function parseLocation(text: string): BackupLocation {
  if (text.startsWith('file:')) return { kind: 'file', path: filePath(text, 'file') };
  const [bucket, key] = splitBucket(text, 'backup');
  if (!key)
    throw new UserError(
      `backup "${printable(text)}" names a bucket but no object; give BUCKET/OBJECT (see the object names: paas TOPIC:backup-list)`,
    );
  return { kind: 's3', bucket, key };
}

export function describeDestination(destination: Destination): string {
  return destination.kind === 's3' ? `s3://${destination.bucket}/${destination.prefix}` : `file://${destination.folder}`;
}

export function describeLocation(location: BackupLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : `file://${location.path}`;
}

/** `postgres-blog-db-2026-12-01-13-40-05.dump`, with `.gpg` when encrypted. Sorted by name = by time. */
export function backupName(plugin: string, service: string, at: Date, extension: string, encrypted: boolean): string {
  const stamp = at.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `${plugin}-${service}-${stamp}.${extension}${encrypted ? '.gpg' : ''}`;
}

/** Whether a backup's name says it is encrypted. */
export function isEncryptedName(name: string): boolean {
  return name.endsWith('.gpg');
}

/** Whether `path` is `folder` or inside it (both absolute and normalized). Pure. */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function splitBucket(text: string, what: string): [string, string] {
  const rest = text.startsWith('s3://') ? text.slice('s3://'.length) : text;
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new UserError(
      `invalid ${what} "${printable(text)}": a bucket name is 3-63 lowercase letters, digits, dots and dashes, ` +
        'optionally followed by /PREFIX; a folder on the server is file:///PATH',
    );
  }
  const parts = key.split('/').filter(Boolean);
  if (parts.some((part) => !KEY_PART.test(part) || part === '.' || part === '..')) {
    throw new UserError(
      `invalid ${what} "${printable(text)}": object names use letters, digits, dots, dashes and underscores between slashes`,
    );
  }
  return [bucket, parts.join('/')];
}

function filePath(text: string, what: 'folder' | 'file'): string {
  const path = text.slice('file://'.length);
  if (!text.startsWith('file:///') || path.includes('\0') || path.length > 1024) {
    throw new UserError(`invalid ${what} "${printable(text)}": write a server ${what} as file:///ABSOLUTE/PATH`);
  }
  const clean = normalize(path).replace(/\/+$/, '') || '/';
  if (what === 'folder' && clean === '/')
    throw new UserError('backups cannot go to / itself; name a folder, e.g. file:///var/backups/paas');
  return clean;
}
