import type { AppRow } from '../store/apps.js';
import type { Store } from '../store/store.js';
import { appNotFound } from './errors.js';
import { assertAppName } from './names.js';

/** The named app, or the clear error every command gives for a bad or unknown name. */
export function requireApp(store: Store, name: string): AppRow {
  assertAppName(name);
  const app = store.apps.find(name);
  if (!app) throw appNotFound(name);
  return app;
}

/** `[APP]` arguments (reports, ps:restore): the named app, or every app when none is named. */
export function requireAppOrAll(store: Store, name: string | undefined): AppRow[] {
  return name === undefined ? store.apps.list() : [requireApp(store, name)];
}
