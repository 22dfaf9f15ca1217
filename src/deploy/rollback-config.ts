/**
 * What a rollback does to the stored config (Heroku's model): the app's own vars become those of
 * the release rolled back to, so `config:show` and the next `config:set` start from them.
 */

export interface RollbackConfigInput {
  /** The config snapshot of the release rolled back to (global and app vars, merged). */
  target: Readonly<Record<string, string>>;
  /** The global config as it is now. */
  global: Readonly<Record<string, string>>;
  /** The app's own stored vars as they are now. */
  own: Readonly<Record<string, string>>;
  /** Keys another part manages (a service link's URL): they keep their current value or absence. */
  keep: ReadonlySet<string>;
}

export interface RollbackConfig {
  /** The app's own vars to store. */
  own: Record<string, string>;
  /** What the new release's containers see: global vars overridden by `own`. */
  effective: Record<string, string>;
  /** Keys whose value the app sees changes, with how. */
  changes: Array<{ key: string; change: 'added' | 'changed' | 'removed' }>;
  /** Keys the target release lacked that stay because they are global config. */
  globalKept: string[];
  /** Keys the target release had another value for (or lacked) that stay because a part manages them. */
  managedKept: string[];
}

const sorted = (vars: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function rollbackConfig({ target, global, own, keep }: RollbackConfigInput): RollbackConfig {
  const next: Record<string, string> = {};
  const managedKept: string[] = [];
  for (const [key, value] of Object.entries(target)) {
    if (keep.has(key)) continue;
    // A value the global config already gives is stored only where the app had its own override.
    if (global[key] === value && !(key in own)) continue;
    next[key] = value;
  }
  for (const key of keep) {
    if (key in own) next[key] = own[key]!;
    const now = own[key] ?? global[key];
    if (now !== target[key]) managedKept.push(key);
  }
  const before = { ...global, ...own };
  const effective = sorted({ ...global, ...next });
  const keys = [...new Set([...Object.keys(before), ...Object.keys(effective)])].sort();
  const changes: RollbackConfig['changes'] = [];
  for (const key of keys) {
    if (!(key in before)) changes.push({ key, change: 'added' });
    else if (!(key in effective)) changes.push({ key, change: 'removed' });
    else if (before[key] !== effective[key]) changes.push({ key, change: 'changed' });
  }
  const globalKept = Object.keys(global)
    .filter((key) => !(key in target) && !keep.has(key))
    .sort();
  return { own: sorted(next), effective, changes, globalKept, managedKept: managedKept.sort() };
}

/** One line per change, keys only: values may be secrets. */
export function describeRollbackConfig(result: RollbackConfig): string[] {
  const lines: string[] = [];
  for (const change of ['changed', 'added', 'removed'] as const) {
    const keys = result.changes.filter((c) => c.change === change).map((c) => c.key);
    if (keys.length) lines.push(`${change[0]!.toUpperCase()}${change.slice(1)}: ${keys.join(', ')}`);
  }
  if (!lines.length) lines.push('No config var changes');
  if (result.globalKept.length) {
    lines.push(`Kept (global config, not part of that release): ${result.globalKept.join(', ')}`);
  }
  if (result.managedKept.length) lines.push(`Kept (set by a service link): ${result.managedKept.join(', ')}`);
  return lines;
}
