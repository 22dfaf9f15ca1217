import { isIP } from 'node:net';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

/** `nginx:set` properties, per app or --global (namespace `nginx`). */
export const NGINX_NAMESPACE = 'nginx';

interface SettingSpec {
  default: string;
  /** Values nginx accepts here; anything else is refused before it reaches a file. */
  pattern: RegExp;
  hint: string;
  /** Settings of nginx's http block, for every app at once: set with --global only. */
  globalOnly?: boolean;
  /** Several words (CIDR...), stored space-separated. */
  variadic?: boolean;
  /** Checks a value the pattern lets through, word by word, and returns it in canonical form (or undefined). */
  canonical?(value: string): string | undefined;
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
  // Behind Cloudflare or a load balancer: whose X-Forwarded-For / X-Forwarded-Proto to believe.
  'trusted-proxies': {
    default: '',
    pattern: /^[0-9a-f.:/, ]{0,4096}$/,
    hint: 'the addresses of the proxies in front of paas, as CIDRs like 173.245.48.0/20 2400:cb00::/32',
    globalOnly: true,
    variadic: true,
    canonical: canonicalCidrs,
  },
  'real-ip-header': {
    default: 'x-forwarded-for',
    pattern: /^(x-forwarded-for|cf-connecting-ip|x-real-ip|true-client-ip)$/,
    hint: 'the header a trusted proxy puts the client address in: x-forwarded-for, cf-connecting-ip, x-real-ip or true-client-ip',
    globalOnly: true,
  },
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
  const normalized = canonicalValue(key, value.toLowerCase());
  if (normalized === undefined) {
    throw new UserError(`invalid value "${printable(value)}" for ${key}: use ${NGINX_SETTINGS[key].hint}`);
  }
  return normalized;
}

function canonicalValue(key: NginxSettingKey, value: string): string | undefined {
  const spec: SettingSpec = NGINX_SETTINGS[key];
  if (!spec.pattern.test(value)) return undefined;
  return spec.canonical ? spec.canonical(value) : value;
}

/** `10.0.0.0/8, 2400:cb00::/32 1.2.3.4` -> `10.0.0.0/8 2400:cb00::/32 1.2.3.4/32`; undefined if any is not a CIDR. Pure. */
export function canonicalCidrs(value: string): string | undefined {
  const cidrs: string[] = [];
  for (const word of value.split(/[\s,]+/).filter(Boolean)) {
    const [address = '', prefix, ...rest] = word.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || rest.length > 0 || (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max))) return undefined;
    cidrs.push(`${address}/${prefix === undefined ? max : Number(prefix)}`);
  }
  return cidrs.length ? [...new Set(cidrs)].join(' ') : undefined;
}

/** The app's value, else the global one, else the default; a stored value that no longer validates falls back too. Pure. */
export function resolveNginxSettings(app: Partial<Record<string, string>>, global: Partial<Record<string, string>>): NginxSettings {
  const resolved = {} as NginxSettings;
  for (const key of NGINX_SETTING_KEYS) {
    const candidates = [app[key], global[key]].filter((v): v is string => v !== undefined && canonicalValue(key, v) === v);
    resolved[key] = candidates[0] ?? NGINX_SETTINGS[key].default;
  }
  return resolved;
}
