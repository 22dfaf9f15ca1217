import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

/** One bind mount of an app: a host folder at a path inside its containers. */
export interface Mount {
  host: string;
  container: string;
  readonly: boolean;
}

/** What `storage:mount` was given, before the host side is resolved and checked. */
export interface MountRequest {
  /** A storage NAME (from storage:ensure-directory) or an absolute host path. */
  host: string;
  container: string;
  readonly: boolean;
}

/** Dokku's rule for storage entry names: a DNS label of at most 45 characters. */
const STORAGE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?$/;

export function isStorageName(name: string): boolean {
  return STORAGE_NAME.test(name);
}

export function assertStorageName(name: string): string {
  if (!isStorageName(name)) {
    throw new UserError(
      `invalid storage name "${printable(name)}": use lowercase letters, digits and dashes, at most 45 characters (e.g. blog-uploads)`,
    );
  }
  return name;
}

/** Dokku's `--chown` names and the ids they stand for; a number is taken as uid:gid too. */
export const CHOWN_IDS: Readonly<Record<string, number>> = { herokuish: 32767, heroku: 1000, paketo: 2000, root: 0 };
/** paas's buildpack apps run as uid 1000 (Dokku's `heroku`), so that is the default here. */
export const DEFAULT_CHOWN = 'heroku';

/** The owner id of a `--chown` value, or undefined for `false` (leave the owner alone). */
export function chownId(option: string): number | undefined {
  if (option === 'false') return undefined;
  const named = CHOWN_IDS[option];
  if (named !== undefined) return named;
  if (/^\d{1,10}$/.test(option) && Number(option) <= 2 ** 31 - 1) return Number(option);
  throw new UserError(`invalid --chown "${printable(option)}": use herokuish, heroku, paketo, root, false or a numeric uid`);
}

/**
 * `HOST:CONTAINER[:ro|rw]` into its parts. HOST is a storage NAME or an absolute path; CONTAINER
 * an absolute path other than `/`. Both are normalized; `..` is refused rather than resolved.
 */
export function parseMount(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new UserError(`invalid mount "${printable(spec)}": use HOST:CONTAINER or HOST:CONTAINER:ro (e.g. blog-uploads:/app/uploads)`);
  }
  const [host, container, option] = parts as [string, string, string | undefined];
  if (option !== undefined && option !== 'ro' && option !== 'rw') {
    throw new UserError(`invalid mount option "${printable(option)}": only ro (read-only) and rw are supported`);
  }
  return { host: hostPart(host), container: absolutePath(container, 'container path'), readonly: option === 'ro' };
}

function hostPart(host: string): string {
  if (host.startsWith('/')) return absolutePath(host, 'host path');
  if (!isStorageName(host)) {
    throw new UserError(
      `invalid host "${printable(host)}": give an absolute path or a storage name made with storage:ensure-directory (e.g. blog-uploads)`,
    );
  }
  return host;
}

/** An absolute, normalized path without `..`, a comma or control characters. */
export function absolutePath(path: string, what: string): string {
  if (!path.startsWith('/')) throw new UserError(`invalid ${what} "${printable(path)}": it must be absolute (start with /)`);
  if (path.split('/').includes('..')) throw new UserError(`invalid ${what} "${printable(path)}": .. is not allowed`);
  if (/[\u0000-\u001f\u007f,]/.test(path)) throw new UserError(`invalid ${what} "${printable(path)}": no commas or control characters`);
  const normalized = posix.normalize(path);
  const trimmed = normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
  if (what === 'container path' && trimmed === '/')
    throw new UserError('the container path cannot be / (mount under a folder, e.g. /app/storage)');
  return trimmed;
}

/** Whether `path` is `base` or inside it (both normalized absolute paths). */
export function isWithin(path: string, base: string): boolean {
  return path === base || path.startsWith(base === '/' ? '/' : `${base}/`);
}

export interface HostPolicy {
  /** The storage root: storage:ensure-directory's folders are its direct children. */
  root: string;
  /** paas's own state (PAAS_HOME); never mountable, outside the storage root. */
  home: string;
  /** Docker's socket(s) and paas's own: never mountable, nor a folder holding one. */
  sockets: readonly string[];
  /** Whether the caller is on the local socket (root on the server) and may name any folder. */
  local: boolean;
}

/**
 * Checks a resolved host folder against the rules: from everyone, not `/`, not PAAS_HOME (or a
 * folder holding it, or one inside it other than a storage folder), not the Docker socket (or a
 * folder holding it); from a remote caller, only a storage folder itself (a direct child of the
 * root, which apps cannot replace with a link). Returns the path, or throws.
 */
export function checkHostPath(path: string, policy: HostPolicy): string {
  const shown = printable(path);
  if (path === '/') throw new UserError('refusing to mount / into an app');
  if (path === policy.root)
    throw new UserError(`refusing to mount the storage root ${shown}; mount one folder in it (storage:ensure-directory NAME)`);
  const storageFolder = posix.dirname(path) === policy.root;
  if (!policy.local && !storageFolder) {
    throw new UserError(
      `from a remote client only storage folders can be mounted (storage:ensure-directory NAME, then storage:mount APP NAME:/path); ${shown} is outside ${policy.root}`,
    );
  }
  if (isWithin(policy.home, path)) throw new UserError(`refusing to mount ${shown}: it holds paas's own state`);
  if (isWithin(path, policy.home) && !isWithin(path, policy.root))
    throw new UserError(`refusing to mount ${shown}: it is paas's own state`);
  if (isWithin(path, policy.root) && !storageFolder)
    throw new UserError(`refusing to mount ${shown}: mount a storage folder itself, not a folder inside it`);
  for (const socket of policy.sockets) {
    if (isWithin(socket, path)) throw new UserError(`refusing to mount ${shown}: it is or holds the socket ${printable(socket)}`);
  }
  return path;
}

/** Docker's bind form: `HOST:CONTAINER` or `HOST:CONTAINER:ro`. */
export function bindOf(mount: Mount): string {
  return `${mount.host}:${mount.container}${mount.readonly ? ':ro' : ''}`;
}

/** The stored list (JSON in the properties table); anything unreadable counts as none. */
export function parseStoredMounts(text: string | undefined): Mount[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value
      .filter(
        (m): m is Mount =>
          typeof m === 'object' && m !== null && typeof (m as Mount).host === 'string' && typeof (m as Mount).container === 'string',
      )
      .map((m) => ({ host: m.host, container: m.container, readonly: m.readonly === true }));
  } catch {
    return [];
  }
}
