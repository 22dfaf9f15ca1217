import type { Store } from '../store/store.js';

export const DEPLOY_BRANCH = { namespace: 'git', key: 'deploy-branch' } as const;

/** The branches whose pushes deploy: the one set with git:set, else main and master. */
export function deployBranches(store: Store, appId: number): string[] {
  const chosen = store.properties.effective(appId, DEPLOY_BRANCH.namespace, DEPLOY_BRANCH.key);
  return chosen ? [chosen] : ['main', 'master'];
}

/** A git ref name we accept for deploy-branch: no spaces, no `..`, no control characters. */
export function isValidBranchName(name: string): boolean {
  return /^[A-Za-z0-9._/-]{1,200}$/.test(name) && !name.includes('..') && !name.startsWith('/') && !name.endsWith('/');
}
