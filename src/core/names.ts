import { UserError } from './errors.js';

/** Dokku's rule (starts with a lowercase letter or digit), narrowed to what DNS, Docker and nginx all take: a DNS label, so no dash at the end. */
const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Keys the platform sets on every container; users may read but not set them. */
export const RESERVED_CONFIG_KEYS: ReadonlySet<string> = new Set(['PORT', 'GIT_REV', 'DYNO']);

/** Whether a name is, or could become, an app's (also: whether `NAME.GLOBAL` is an app's default URL). */
export function isAppName(name: string): boolean {
  return APP_NAME.test(name);
}

export function assertAppName(name: string): string {
  if (!APP_NAME.test(name)) {
    throw new UserError(
      `invalid app name "${printable(name)}": use lowercase letters, digits and dashes, ` +
        'starting with a letter or digit and not ending with a dash, at most 63 characters (e.g. my-blog)',
    );
  }
  return name;
}

export function assertConfigKey(key: string): string {
  if (!CONFIG_KEY.test(key)) {
    throw new UserError(
      `invalid config key "${printable(key)}": use letters, digits and underscores, not starting with a digit (e.g. DATABASE_URL)`,
    );
  }
  return key;
}

export function assertSettableConfigKey(key: string): string {
  assertConfigKey(key);
  if (RESERVED_CONFIG_KEYS.has(key)) {
    throw new UserError(`${key} is set by paas on every container and cannot be changed with config:set`);
  }
  return key;
}

export function assertTokenName(name: string): string {
  if (!TOKEN_NAME.test(name)) {
    throw new UserError(`invalid token name "${printable(name)}": use letters, digits, dots, dashes and underscores (e.g. laptop)`);
  }
  return name;
}

/** Shows hostile input safely inside an error line: no control characters, bounded length. */
export function printable(value: string, max = 80): string {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped.length > max ? `${escaped.slice(0, max)}...` : escaped;
}
