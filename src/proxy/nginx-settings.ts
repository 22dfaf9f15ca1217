import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

/** `nginx:set` properties, per app or --global (namespace `nginx`). */
export const NGINX_NAMESPACE = 'nginx';

interface SettingSpec {
  default: string;
  /** Values nginx accepts here; anything else is refused before it reaches a file. */
  pattern: RegExp;
  hint: string;
}

export const NGINX_SETTINGS = {
  'client-max-body-size': { default: '1m', pattern: /^\d{1,9}[kmg]?$/, hint: 'a size like 1m, 512k or 0 (no limit)' },
  // Dokku's default is 60s; containers sit on a local bridge, where a connection opens in well under
  // a millisecond, and a container that just died leaves its address dropping packets: a short
  // wait sends the request on to the next (or backup) container instead of holding it.
  'proxy-connect-timeout': { default: '2s', pattern: /^\d{1,9}(ms|s|m|h)?$/, hint: 'a duration like 2s or 500ms' },
  'proxy-read-timeout': { default: '60s', pattern: /^\d{1,9}(ms|s|m|h)?$/, hint: 'a duration like 60s, 5m or 1h' },
  'proxy-buffering': { default: 'on', pattern: /^(on|off)$/, hint: 'on or off' },
  hsts: { default: 'true', pattern: /^(true|false)$/, hint: 'true or false' },
} as const satisfies Record<string, SettingSpec>;

export type NginxSettingKey = keyof typeof NGINX_SETTINGS;
export type NginxSettings = Record<NginxSettingKey, string>;

export const NGINX_SETTING_KEYS = Object.keys(NGINX_SETTINGS) as NginxSettingKey[];

export function assertNginxSettingKey(key: string): NginxSettingKey {
  if (!(NGINX_SETTING_KEYS as string[]).includes(key)) {
    throw new UserError(`unknown nginx setting "${printable(key)}"; the settings are: ${NGINX_SETTING_KEYS.join(', ')}`);
  }
  return key as NginxSettingKey;
}

/** The value as stored and rendered (lowercased), or a UserError naming what is accepted. */
export function normalizeNginxSetting(key: NginxSettingKey, value: string): string {
  const normalized = value.toLowerCase();
  const spec = NGINX_SETTINGS[key];
  if (!spec.pattern.test(normalized)) {
    throw new UserError(`invalid value "${printable(value)}" for ${key}: use ${spec.hint}`);
  }
  return normalized;
}

/** The app's value, else the global one, else the default; a stored value that no longer validates falls back too. Pure. */
export function resolveNginxSettings(app: Partial<Record<string, string>>, global: Partial<Record<string, string>>): NginxSettings {
  const resolved = {} as NginxSettings;
  for (const key of NGINX_SETTING_KEYS) {
    const candidates = [app[key], global[key]].filter((v): v is string => v !== undefined && NGINX_SETTINGS[key].pattern.test(v));
    resolved[key] = candidates[0] ?? NGINX_SETTINGS[key].default;
  }
  return resolved;
}
