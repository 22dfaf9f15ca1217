import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import type { TopicSpec } from '../../core/properties.js';

/** store.properties namespace of letsencrypt:set and of each app's certificate state. */
export const LETSENCRYPT_NAMESPACE = 'letsencrypt';

export const ACME_DIRECTORIES: Record<string, string> = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  default: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

/** Seconds before expiry when renewal starts (Dokku's default, 30 days). */
export const DEFAULT_GRACE_SECONDS = 2_592_000;

/** The ACME directory URL of a `server` value: a name above, else the URL itself. Pure. */
export function directoryUrl(server: string | undefined): string {
  return ACME_DIRECTORIES[server ?? 'production'] ?? server!;
}

export function validateServer(value: string): string {
  if (value in ACME_DIRECTORIES) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(
      `invalid server "${printable(value)}": use production, staging or an ACME directory URL like https://acme.example.com/directory`,
    );
  }
  if (url.protocol !== 'https:') throw new UserError(`invalid server "${printable(value)}": an ACME directory is served over https`);
  return url.toString();
}

export function validateEmail(value: string): string {
  if (!/^[^\s@<>"]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}$/i.test(value)) {
    throw new UserError(`invalid email "${printable(value)}": use an address like you@example.com`);
  }
  return value;
}

export function validateGracePeriod(value: string): string {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1) {
    throw new UserError(`invalid graceperiod "${printable(value)}": give seconds before expiry, e.g. 2592000 (30 days)`);
  }
  return String(Number(value));
}

/** letsencrypt:set / letsencrypt:report properties (fields are added by the commands). */
export const LETSENCRYPT_PROPERTIES: TopicSpec['properties'] = [
  {
    key: 'email',
    scope: 'app+global',
    summary: 'contact address of the ACME account (expiry notices); optional',
    validate: validateEmail,
  },
  {
    key: 'graceperiod',
    scope: 'app+global',
    summary: 'seconds before expiry when the daemon renews the certificate',
    default: String(DEFAULT_GRACE_SECONDS),
    validate: validateGracePeriod,
  },
  {
    key: 'server',
    scope: 'app+global',
    summary: 'ACME server: production, staging or a directory URL',
    default: 'production',
    validate: validateServer,
  },
];
