import type { PropertiesTable } from '../store/properties.js';
import { bindOf, parseStoredMounts, type Mount } from './mount-spec.js';

/** Where an app's mounts live in store.properties: one JSON list per app. */
export const MOUNTS_SETTING = { namespace: 'storage', key: 'mounts' } as const;

/** The phases Dokku knows; paas mounts into deploy (process containers, deploy tasks) and run (one-offs), never build. */
export type StoragePhase = 'build' | 'deploy' | 'run';

export function appMounts(properties: PropertiesTable, appId: number): Mount[] {
  return parseStoredMounts(properties.get(appId, MOUNTS_SETTING.namespace, MOUNTS_SETTING.key));
}

export function saveAppMounts(properties: PropertiesTable, appId: number, mounts: readonly Mount[]): void {
  properties.set(appId, MOUNTS_SETTING.namespace, MOUNTS_SETTING.key, mounts.length ? JSON.stringify(mounts) : undefined);
}

/** Docker `Binds` for an app's containers of a phase (the only place containers get the mounts from). */
export function storageBinds(properties: PropertiesTable, appId: number, phase: StoragePhase): string[] {
  if (phase === 'build') return [];
  return appMounts(properties, appId).map(bindOf);
}
