import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import type { Formation } from '../store/releases.js';

/** Types a build defines, with the counts the app had before (new types start with one). */
export function formationFor(types: Record<string, string>, previous: Formation | undefined): Formation {
  const entries = Object.entries(types).filter(([type]) => type !== 'release');
  if (entries.length === 0) return { web: { count: previous?.web?.count ?? 1, command: null } };
  return Object.fromEntries(entries.map(([type, command]) => [type, { count: previous?.[type]?.count ?? 1, command }]));
}

/** `web=2 worker=0` into counts; every type must exist in the formation. */
export function parseScale(args: readonly string[], formation: Formation): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const arg of args) {
    const match = /^([A-Za-z0-9][A-Za-z0-9_-]*)=(\d{1,3})$/.exec(arg);
    if (!match) throw new UserError(`"${printable(arg)}" is not TYPE=COUNT, e.g. web=2`);
    const [, type, count] = match;
    if (!(type! in formation)) {
      throw new UserError(`the app has no process type "${type}"; it has: ${Object.keys(formation).join(', ')}`);
    }
    if (Number(count) > 100) throw new UserError(`at most 100 ${type} containers`);
    counts[type!] = Number(count);
  }
  return counts;
}

export function scaled(formation: Formation, counts: Record<string, number>): Formation {
  return Object.fromEntries(
    Object.entries(formation).map(([type, spec]) => [type, { ...spec, count: counts[type] ?? spec.count }]),
  );
}

export function describeFormation(formation: Formation): string {
  return Object.entries(formation)
    .map(([type, { count }]) => `${type}=${count}`)
    .join(' ');
}
