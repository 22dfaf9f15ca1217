import type { Writable } from 'node:stream';
import type { AppRow } from '../store/apps.js';
import type { ReleaseRow } from '../store/releases.js';
import { DeployLog } from './deploy-log.js';
import type { ReleaseDraft } from './release-manager.js';
import type { DeployServices } from './services.js';

/** A new release from the current one with some parts changed (config, formation, image). */
export function releaseFrom(current: ReleaseRow, changes: Partial<ReleaseDraft> & { description: string; actor: string }): ReleaseDraft {
  const { id: _id, version: _version, createdAt: _createdAt, ...rest } = current;
  return { ...rest, runScripts: false, ...changes };
}

/** Publishes a release for a change that is not a build (config, scale, rollback), under the app lock. */
export async function publishChange(
  services: DeployServices,
  app: AppRow,
  output: Writable,
  change: (current: ReleaseRow) => ReleaseDraft,
): Promise<ReleaseRow | undefined> {
  const { api, locks, releases } = services;
  return locks.withLock(app.id, app.name, 'releasing a change', async () => {
    const current = api.store.releases.current(app.id);
    if (!current) return undefined;
    return releases.publish(app, change(current), new DeployLog(output));
  });
}
