import { randomBytes } from 'node:crypto';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';

/** Service names follow app names: they end up in container, volume and host names. */
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** Printable ASCII without whitespace, quotes, backquote or backslash. */
const PASSWORD = /^[!#-&(-[\]-_a-~]{8,128}$/;
const ALIAS = /^[A-Za-z_][A-Za-z0-9_]{0,59}$/;
/** A Docker repository name, without tag: `postgres`, `registry:5000/team/postgres`. */
const IMAGE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
/** A Docker tag. */
const IMAGE_VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const MIN_MEMORY_MB = 64;

export function assertServiceName(name: string): string {
  if (!SERVICE_NAME.test(name)) {
    throw new UserError(
      `invalid service name "${printable(name)}": use lowercase letters, digits and dashes, ` +
        'starting with a letter, at most 63 characters (e.g. blog-db)',
    );
  }
  return name;
}

/** A password the user chose: it reaches the container as an environment value and the URL percent-encoded. */
export function assertPassword(password: string): string {
  if (!PASSWORD.test(password)) {
    throw new UserError(
      'invalid --password: use 8 to 128 printable ASCII characters without spaces, quotes or backslashes, ' +
        'or leave it out to get a generated one',
    );
  }
  return password;
}

/** 32 hex characters: 128 random bits. */
export function generatePassword(): string {
  return randomBytes(16).toString('hex');
}

/** `--alias BLUE_DATABASE` links as BLUE_DATABASE_URL. */
export function assertAlias(alias: string): string {
  if (!ALIAS.test(alias)) {
    throw new UserError(
      `invalid --alias "${printable(alias)}": use letters, digits and underscores, not starting with a digit (e.g. REPORTS_DATABASE)`,
    );
  }
  return alias.toUpperCase();
}

export function parseMemory(value: string): number {
  const mb = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(mb >= MIN_MEMORY_MB)) {
    throw new UserError(`invalid --memory "${printable(value)}": give whole megabytes, at least ${MIN_MEMORY_MB} (e.g. --memory 512)`);
  }
  return mb;
}

export function assertImage(image: string): string {
  if (image.length > 255 || !IMAGE.test(image)) {
    throw new UserError(
      `invalid --image "${printable(image)}": give an image name without tag (e.g. postgres or redis); the tag goes in --image-version`,
    );
  }
  return image;
}

export function assertImageVersion(version: string): string {
  if (!IMAGE_VERSION.test(version)) {
    throw new UserError(`invalid --image-version "${printable(version)}": give an image tag (e.g. 15 or 7.2)`);
  }
  return version;
}
