import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import type { FlagSpec } from '../core/command.js';
import type { Store } from '../store/store.js';
import type { AppRow } from '../store/apps.js';

/**
 * What certs:* and letsencrypt:* give a certificate to: an app, or the dashboard's domain
 * (`--dashboard` in place of APP). Its certificate and letsencrypt state live in store.properties
 * under the same keys for both: an app's with its id, the dashboard's in the global scope.
 */
export interface CertTarget {
  /** Property scope: the app's id; null for the dashboard. */
  id: number | null;
  /** Its directory under certs/ and the name of its nginx logs (`_dashboard` can be no app's name). */
  dir: string;
  /** How messages name it: `blog`, or `the dashboard`. */
  label: string;
  /** How a command names it: `blog`, or `--dashboard`. */
  arg: string;
  /** The app a proxy change is about (refusals name it); none for the dashboard. */
  subject: string | undefined;
}

export const DASHBOARD_CERT: CertTarget = { id: null, dir: '_dashboard', label: 'the dashboard', arg: '--dashboard', subject: undefined };

export function appCertTarget(app: Pick<AppRow, 'id' | 'name'>): CertTarget {
  return { id: app.id, dir: app.name, label: app.name, arg: app.name, subject: app.name };
}

export const DASHBOARD_FLAG: Record<string, FlagSpec> = {
  dashboard: { type: 'boolean', description: 'the dashboard domain (dashboard:set --global domain) instead of an app' },
};

/**
 * The target of `CMD APP ARGS...` or `CMD --dashboard ARGS...`, and the ARGS. `count` is how
 * many ARGS the command takes at most besides the target.
 */
export function certTargetOf(
  store: Store,
  command: string,
  dashboard: boolean,
  args: readonly (string | undefined)[],
  count: number,
): { target: CertTarget; rest: string[] } {
  const given = args.filter((arg): arg is string => arg !== undefined);
  if (dashboard) {
    if (given.length > count) throw new UserError(`${command} --dashboard takes no APP; see: paas ${command} --help`);
    return { target: DASHBOARD_CERT, rest: given };
  }
  const [name, ...rest] = given;
  if (name === undefined) throw new UserError(`${command}: give an APP, or --dashboard for the dashboard domain`);
  return { target: appCertTarget(requireApp(store, name)), rest };
}
