import type { EventBus } from './events.js';
import type { Store } from '../store/store.js';
import type { AppRow } from '../store/apps.js';
import { UserError } from './errors.js';
import { assertAppName } from './names.js';

/** `apps:set --global disable-autocreation true`: a push to an unknown app is refused. */
export const AUTOCREATION = { namespace: 'apps', key: 'disable-autocreation' } as const;

/** `apps:lock APP`: deploys of the app are refused until apps:unlock. */
export const APP_LOCK = { namespace: 'apps', key: 'locked' } as const;

/** Creates an app and lets every part prepare for it (repo, ...); shared by apps:create and push. */
export async function createApp(store: Store, events: EventBus, name: string): Promise<AppRow> {
  assertAppName(name);
  if (store.apps.find(name)) throw new UserError(`app "${name}" already exists`);
  const app = store.apps.create(name);
  await events.emit('post-create', { app: name });
  return app;
}
