import { logMaxSize } from './commands/logs.js';
import { contextPath } from '../build/build-context.js';
import type { PropertiesTable } from '../store/properties.js';
import { storageBinds } from '../storage/app-mounts.js';
import { phaseOverrides } from '../docker-options/app-options.js';
import { publishedPorts } from '../proxy/app-state.js';
import { processLimits } from './resource-limits.js';
import { parseRestartPolicy } from './restart-policy.js';
import type { ProcessOptions } from './scheduler.js';
import { revEnvVar } from '../git/git-settings.js';

/**
 * The deploy part's settings in store.properties (Dokku's ps, checks and app-json properties),
 * each read as: the app's value, else the global one, else Dokku's default.
 */
export const SETTING = {
  /** ps:scale counts stored before the first deploy or with --skip-deploy: JSON { type: count }. */
  pendingScale: { namespace: 'ps', key: 'pending-scale' },
  procfilePath: { namespace: 'ps', key: 'procfile-path' },
  restartPolicy: { namespace: 'ps', key: 'restart-policy' },
  stopTimeout: { namespace: 'ps', key: 'stop-timeout-seconds' },
  restore: { namespace: 'ps', key: 'restore' },
  appJsonPath: { namespace: 'app-json', key: 'appjson-path' },
  waitToRetire: { namespace: 'checks', key: 'wait-to-retire' },
  /** Comma-separated process types, or `_all_`. */
  checksDisabled: { namespace: 'checks', key: 'disabled' },
  checksSkipped: { namespace: 'checks', key: 'skipped' },
  checksWait: { namespace: 'checks', key: 'wait' },
  checksTimeout: { namespace: 'checks', key: 'timeout' },
  checksAttempts: { namespace: 'checks', key: 'attempts' },
} as const;

export type SettingName = keyof typeof SETTING;

/**
 * Dokku's defaults, except two deliberate ones (README, Differences from Dokku): old containers
 * retire 5 s after the switch (Dokku: 60) and get 10 s between SIGTERM and SIGKILL (Dokku: 30).
 * paas moves traffic only once nginx's new workers answer, and nginx closes the old workers'
 * connections itself, so the old containers only finish requests already in flight.
 */
export const DEFAULTS = {
  procfilePath: 'Procfile',
  appJsonPath: 'app.json',
  restartPolicy: 'on-failure:10',
  stopTimeout: 10,
  waitToRetire: 5,
} as const;

export function setting(properties: PropertiesTable, appId: number, name: SettingName): string | undefined {
  const { namespace, key } = SETTING[name];
  const value = properties.effective(appId, namespace, key);
  return value === '' ? undefined : value;
}

function numberSetting(properties: PropertiesTable, appId: number, name: SettingName, fallback: number): number {
  const value = Number(setting(properties, appId, name) ?? fallback);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Seconds old containers keep running after traffic moved to the new ones (checks:set wait-to-retire). */
export function waitToRetire(properties: PropertiesTable, appId: number): number {
  return numberSetting(properties, appId, 'waitToRetire', DEFAULTS.waitToRetire);
}

/** Seconds between SIGTERM and SIGKILL when a container stops (ps:set stop-timeout-seconds). */
export function stopTimeout(properties: PropertiesTable, appId: number): number {
  return numberSetting(properties, appId, 'stopTimeout', DEFAULTS.stopTimeout);
}

/** Where the build finds the Procfile and app.json, relative to the build folder. */
export function appFilePaths(properties: PropertiesTable, appId: number): { procfile: string; appJson: string } {
  return {
    procfile: contextPath(setting(properties, appId, 'procfilePath') ?? DEFAULTS.procfilePath, 'procfile-path'),
    appJson: contextPath(setting(properties, appId, 'appJsonPath') ?? DEFAULTS.appJsonPath, 'appjson-path'),
  };
}

export function pendingScale(properties: PropertiesTable, appId: number): Record<string, number> {
  const raw = properties.get(appId, SETTING.pendingScale.namespace, SETTING.pendingScale.key);
  return raw ? (JSON.parse(raw) as Record<string, number>) : {};
}

export function setPendingScale(properties: PropertiesTable, appId: number, counts: Record<string, number> | undefined): void {
  const value = counts && Object.keys(counts).length ? JSON.stringify(counts) : undefined;
  properties.set(appId, SETTING.pendingScale.namespace, SETTING.pendingScale.key, value);
}

/** `checks:disable`/`checks:skip` lists: `_all_` or process types. */
export function checkList(properties: PropertiesTable, appId: number, name: 'checksDisabled' | 'checksSkipped'): string[] {
  const raw = properties.get(appId, SETTING[name].namespace, SETTING[name].key);
  return raw ? raw.split(',').filter(Boolean) : [];
}

export function inCheckList(list: readonly string[], type: string): boolean {
  return list.includes('_all_') || list.includes(type);
}

/** How a process container of this type runs: resource limits and the ps properties. */
export function processOptions(properties: PropertiesTable, appId: number, type: string): ProcessOptions {
  const policy = parseRestartPolicy(setting(properties, appId, 'restartPolicy') ?? DEFAULTS.restartPolicy);
  return {
    limits: processLimits(properties, appId, type),
    restartPolicy: policy ?? parseRestartPolicy(DEFAULTS.restartPolicy),
    stopTimeout: stopTimeout(properties, appId),
    logMaxSize: logMaxSize(properties, appId),
    binds: storageBinds(properties, appId, 'deploy'),
    docker: phaseOverrides(properties, appId, 'deploy'),
    publish: type === 'web' ? publishedPorts(properties, appId) : [],
    revEnvVar: revEnvVar(properties, appId),
  };
}
