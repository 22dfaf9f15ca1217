import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import type { Formation } from '../store/releases.js';
import type { FormationEntry } from './app-json.js';

export interface FormationInputs {
  /** The counts of the release that runs now (none on a first deploy). */
  previous: Formation | undefined;
  /** `ps:scale` counts stored before the first deploy or with --skip-deploy. */
  pending: Record<string, number>;
  /** app.json `formation` of the new code. */
  appJson: Record<string, FormationEntry>;
}

/** Whether app.json's formation sets any quantity: then it, not ps:scale, decides the counts (Dokku). */
export function managedByAppJson(appJson: Record<string, FormationEntry>): boolean {
  return Object.values(appJson).some((entry) => entry.quantity !== undefined);
}

/**
 * The counts of a new build's types, as Dokku decides them: app.json quantities when it sets any
 * (types it leaves out get 0); else a stored `ps:scale`; else the count the type had; else 1 for
 * `web` and 0 for every other type. `release` is a deploy task, never a process.
 */
export function formationFor(types: Record<string, string>, inputs: FormationInputs): Formation {
  const entries: Array<[string, string | null]> = Object.entries(types).filter(([type]) => type !== 'release');
  if (entries.length === 0) entries.push(['web', null]);
  const managed = managedByAppJson(inputs.appJson);
  const count = (type: string): number => {
    if (managed) return inputs.appJson[type]?.quantity ?? (type === 'web' && type in inputs.appJson ? 1 : 0);
    return inputs.pending[type] ?? inputs.previous?.[type]?.count ?? (type === 'web' ? 1 : 0);
  };
  return Object.fromEntries(entries.map(([type, command]) => [type, { count: count(type), command }]));
}

const SCALE_ARG = /^([A-Za-z0-9][A-Za-z0-9_-]{0,62})=(\d{1,3})$/;

/** `web=2 worker=0` into counts; with a formation, every type must exist in it. */
export function parseScale(args: readonly string[], formation?: Formation): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const arg of args) {
    const match = SCALE_ARG.exec(arg);
    if (!match) throw new UserError(`"${printable(arg)}" is not TYPE=COUNT, e.g. web=2`);
    const [, type, count] = match;
    if (type === 'release') throw new UserError('release is a deploy task (the Procfile release phase) and cannot be scaled');
    if (formation && !(type in formation)) {
      throw new UserError(`the app has no process type "${type}"; it has: ${Object.keys(formation).join(', ')}`);
    }
    if (Number(count) > 100) throw new UserError(`at most 100 ${type} containers`);
    counts[type] = Number(count);
  }
  return counts;
}

export function scaled(formation: Formation, counts: Record<string, number>): Formation {
  return Object.fromEntries(Object.entries(formation).map(([type, spec]) => [type, { ...spec, count: counts[type] ?? spec.count }]));
}

/** The types whose count differs between two formations. */
export function changedTypes(before: Formation, after: Formation): string[] {
  return Object.keys(after).filter((type) => (before[type]?.count ?? 0) !== after[type].count);
}

export function describeFormation(formation: Formation): string {
  return Object.entries(formation)
    .map(([type, { count }]) => `${type}=${count}`)
    .join(' ');
}

/** Splits `items` into groups of at most `size` (max_parallel). */
export function batches<T>(items: readonly T[], size: number | undefined): T[][] {
  const step = size && size > 0 ? size : Math.max(1, items.length);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}
