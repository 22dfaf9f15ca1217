import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A buildpack that ships with paas, in the repository's `buildpacks/` folder. */
export interface BuiltinBuildpack {
  /** `paas/nodejs` */
  id: string;
  /** Folder under `buildpacks/`. */
  dir: string;
  /** What its `bin/detect` looks for, for the message when nothing detects an app. */
  looksFor: string;
}

/** Tried in this order when no buildpack was chosen; the first whose bin/detect says yes builds. */
export const BUILTIN_BUILDPACKS: readonly BuiltinBuildpack[] = [
  { id: 'paas/nodejs', dir: 'nodejs', looksFor: 'package.json' },
  { id: 'paas/python', dir: 'python', looksFor: 'requirements.txt, pyproject.toml or setup.py' },
  { id: 'paas/static', dir: 'static', looksFor: 'index.html or public/index.html' },
  { id: 'paas/procfile', dir: 'procfile', looksFor: 'a Procfile' },
];

export function findBuiltin(id: string): BuiltinBuildpack | undefined {
  return BUILTIN_BUILDPACKS.find((buildpack) => buildpack.id === id);
}

/** `buildpacks/` of this checkout (from dist/build/buildpacks or src/build/buildpacks). */
export function buildpacksRoot(): string {
  const root = resolve(import.meta.dirname, '../../../buildpacks');
  if (!existsSync(join(root, 'lib', 'driver.sh'))) throw new Error(`the built-in buildpacks are missing from ${root}`);
  return root;
}

/** The one-line list of what detection looked for, in detection order. */
export function detectionSummary(): string {
  return BUILTIN_BUILDPACKS.map((b) => `${b.looksFor} (${b.id})`).join('; ');
}
