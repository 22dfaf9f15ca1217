import type { PropertiesTable } from '../store/properties.js';

/**
 * git:set keep-git-dir and rev-env-var, read where builds and containers are made. Both live in
 * the `git` namespace beside deploy-branch.
 */
export const KEEP_GIT_DIR = { namespace: 'git', key: 'keep-git-dir' } as const;
export const REV_ENV_VAR = { namespace: 'git', key: 'rev-env-var', default: 'GIT_REV' } as const;

/** Names paas sets itself in every process: rev-env-var may not take them. */
export const PAAS_ENV_NAMES: ReadonlySet<string> = new Set(['PORT', 'DYNO']);

/** Whether the build context keeps a `.git` folder (the app's value, else the global one; default false). */
export function keepGitDir(properties: PropertiesTable, appId: number): boolean {
  return properties.effective(appId, KEEP_GIT_DIR.namespace, KEEP_GIT_DIR.key) === 'true';
}

/**
 * The env var that carries the deployed commit: GIT_REV until git:set names another; null once
 * it was set to nothing (stored as an empty value), as Dokku turns it off.
 */
export function revEnvVar(properties: PropertiesTable, appId: number): string | null {
  const value = properties.get(appId, REV_ENV_VAR.namespace, REV_ENV_VAR.key);
  if (value === undefined) return REV_ENV_VAR.default;
  return value === '' ? null : value;
}
