import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { requireApp } from './app-lookup.js';
import type { FlagSpec, FlagValues } from './command.js';
import { UserError } from './errors.js';
import { printable } from './names.js';
import { writeLine } from './output.js';
import type { AppRow } from '../store/apps.js';
import type { Store } from '../store/store.js';

/** Dokku's `[--parallel N] [--all|APP]` (ps:restart, ps:start, ps:stop, ps:rebuild, proxy:enable, proxy:disable). */
export const EVERY_APP_FLAGS: Record<string, FlagSpec> = {
  all: { type: 'boolean', description: 'every app instead of one' },
  parallel: { type: 'string', description: 'with --all: how many apps at a time (default 1; -1: one per CPU)', placeholder: 'N' },
};

/** `--parallel` into a worker count: a positive whole number, or -1 for one per CPU. Pure. */
export function parallelism(flag: string | boolean | undefined, cpus: number): number {
  if (flag === undefined || flag === false) return 1;
  const text = String(flag);
  if (text === '-1') return Math.max(1, cpus);
  if (!/^[1-9]\d{0,2}$/.test(text))
    throw new UserError(`--parallel must be a whole number from 1 to 999, or -1 (one per CPU); got "${printable(text)}"`);
  return Number(text);
}

/**
 * The apps a `[--all|APP]` command acts on, checked before anything runs: APP, or with --all
 * every app (then no APP may be given). `rest` are the positionals after the app.
 */
export function targetApps(
  store: Store,
  positionals: ReadonlyArray<string | undefined>,
  flags: FlagValues,
  usage: string,
): { apps: AppRow[]; all: boolean; rest: string[] } {
  const args = positionals.filter((arg): arg is string => arg !== undefined);
  if (flags.all === true) {
    if (args.length > 0) throw new UserError(`give an APP or --all, not both; usage: ${usage}`);
    return { apps: store.apps.list(), all: true, rest: [] };
  }
  if (flags.parallel !== undefined) throw new UserError('--parallel goes with --all');
  const [name, ...rest] = args;
  if (name === undefined) throw new UserError(`missing APP (or --all); usage: ${usage}`);
  return { apps: [requireApp(store, name)], all: false, rest };
}

/**
 * Runs `action` for each app, `parallel` at a time. With one app its error is the command's;
 * with --all a failing app is reported on stderr and the others go on, and the command fails
 * at the end naming every app that failed.
 */
export async function forEachApp(
  apps: readonly AppRow[],
  parallel: number,
  stderr: Writable,
  action: (app: AppRow) => Promise<void>,
): Promise<void> {
  if (apps.length === 1 && parallel === 1) return action(apps[0]);
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < apps.length) {
      const app = apps[next++];
      try {
        await action(app);
      } catch (error) {
        failed.push(app.name);
        writeLine(stderr, `error: ${app.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, apps.length) }, worker));
  if (failed.length) throw new UserError(`${failed.length} of ${apps.length} apps failed: ${failed.sort().join(', ')}`);
}

export const cpuCount = (): number => availableParallelism();
