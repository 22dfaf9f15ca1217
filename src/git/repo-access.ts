import type { Actor } from '../core/command.js';
import { appNotFound, UserError } from '../core/errors.js';
import { createApp } from '../core/apps.js';
import { assertAppName } from '../core/names.js';
import type { PartApi } from '../daemon/part.js';
import type { GitAccess, GitVerb } from './git-access.js';
import { ensureRepo } from './repositories.js';

export const AUTOCREATION = { namespace: 'apps', key: 'disable-autocreation' } as const;

/** Shared by SSH and HTTP: which repo a git request may touch, creating the app on a first push. */
export function createGitAccess({ store, events, paths }: PartApi): GitAccess {
  return {
    async open(verb: GitVerb, app: string, actor: Actor) {
      assertAppName(app);
      if (!store.apps.find(app)) {
        if (verb !== 'git-receive-pack') throw appNotFound(app);
        if (store.properties.get(null, AUTOCREATION.namespace, AUTOCREATION.key) === 'true') {
          throw new UserError(
            `app "${app}" does not exist and autocreation is off; create it with: paas apps:create ${app}`,
          );
        }
        await createApp(store, events, app);
      }
      const repoPath = await ensureRepo(paths, app);
      return { repoPath, env: { PAAS_HOME: paths.home, PAAS_PUSHER: actor.name } };
    },
  };
}
