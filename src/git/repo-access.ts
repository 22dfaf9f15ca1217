import type { Actor } from '../core/command.js';
import { appNotFound, UserError } from '../core/errors.js';
import { AUTOCREATION, createApp } from '../core/apps.js';
import { assertAppName } from '../core/names.js';
import type { PartApi } from '../core/part.js';
import type { GitAccess, GitRepoAccess, GitVerb } from './git-access.js';
import { ensureRepo } from './repositories.js';

/** Shared by SSH and HTTP: which repo a git request may touch, creating the app on a first push. */
export function createGitAccess({ store, events, paths, settings }: PartApi): GitAccess {
  /** True when the app exists; throws when a request for it must be refused; false when a push may create it. */
  const exists = (verb: GitVerb, app: string): boolean => {
    assertAppName(app);
    if (store.apps.find(app)) return true;
    if (verb !== 'git-receive-pack') throw appNotFound(app);
    if (store.properties.get(null, AUTOCREATION.namespace, AUTOCREATION.key) === 'true') {
      throw new UserError(`app "${app}" does not exist and autocreation is off; create it with: paas apps:create ${app}`);
    }
    return false;
  };
  const access = async (app: string, actor: Actor): Promise<GitRepoAccess> => ({
    repoPath: await ensureRepo(paths, app, settings.maxPushSize),
    env: { PAAS_HOME: paths.home, PAAS_PUSHER: actor.name },
  });
  return {
    async open(verb, app, actor) {
      if (!exists(verb, app)) await createApp(store, events, app);
      return access(app, actor);
    },
    async peek(verb, app, actor) {
      return exists(verb, app) ? access(app, actor) : undefined;
    },
  };
}
