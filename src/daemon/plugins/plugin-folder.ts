import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';

/**
 * Installed plugins: one folder each under $PAAS_HOME/plugins, named like the plugin. A file
 * `.paas-disabled` in it (holding why) keeps the daemon from loading it.
 */

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const DISABLED = '.paas-disabled';

export function pluginsDir(home: string): string {
  return join(home, 'plugins');
}

export function assertPluginName(name: string): string {
  if (!NAME.test(name)) {
    throw new UserError(
      `invalid plugin name "${printable(name)}": use lowercase letters, digits and dashes, starting with a letter (e.g. hello-world)`,
    );
  }
  return name;
}

/** The name a plugin is installed under when --name is not given: its folder or repository name. Pure. */
export function defaultPluginName(source: string): string {
  const last = basename(source.replace(/\/+$/, '')).replace(/\.git$/, '');
  return last
    .toLowerCase()
    .replace(/^(paas|dokku)-(plugin-)?/, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');
}

/** `https://`, `ssh://`, `git://` URLs and scp-like `git@host:repo.git` are cloned; everything else is a folder. Pure. */
export function isGitUrl(source: string): boolean {
  return /^(https?|ssh|git):\/\//.test(source) || /^[\w.-]+@[\w.-]+:[^/]/.test(source);
}

/** The module a plugin's folder starts from: package.json's "main", else index.mjs, else index.js. */
export function pluginEntry(dir: string): string {
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest)) {
    const main = (JSON.parse(readFileSync(manifest, 'utf8')) as { main?: unknown }).main;
    if (typeof main === 'string' && main.trim()) return join(dir, main);
  }
  for (const candidate of ['index.mjs', 'index.js']) {
    if (existsSync(join(dir, candidate))) return join(dir, candidate);
  }
  throw new Error('no entry module: add index.mjs (or "main" in package.json)');
}

export function installedPlugins(home: string): string[] {
  const dir = pluginsDir(home);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && NAME.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/** Why the plugin is disabled, or undefined when it is enabled. */
export function disabledReason(home: string, name: string): string | undefined {
  const file = join(pluginsDir(home), name, DISABLED);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || 'disabled' : undefined;
}

export function setDisabled(home: string, name: string, reason: string | undefined): void {
  const file = join(pluginsDir(home), name, DISABLED);
  if (reason === undefined) rmSync(file, { force: true });
  else writeFileSync(file, `${reason}\n`, { mode: 0o600 });
}
