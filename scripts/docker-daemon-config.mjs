#!/usr/bin/env node
// Merges what paas needs into Docker's daemon.json, keeping every setting already there.
//
//   node scripts/docker-daemon-config.mjs /etc/docker/daemon.json [--swarm]
//
// Prints one line per change (or that nothing changed) and exits 0; a file that is not a JSON
// object is left alone with exit 1. Used by scripts/install.sh before dockerd (re)reads the file.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Docker's own pools give about 30 bridge networks, and paas makes one per service. This one is
 * inside the range Docker already claims by default (172.16.0.0/12), cut into 4096 /24 networks.
 */
export const ADDRESS_POOLS = [{ base: '172.16.0.0/12', size: 24 }];

/**
 * The pure part: the merged settings and what changed. `live-restore` keeps containers serving
 * while dockerd restarts; it is left off in Swarm mode, which refuses it. A key the admin set
 * (even `live-restore: false`) is never overwritten.
 */
export function mergeDaemonConfig(current, { swarm = false } = {}) {
  const config = { ...current };
  const notes = [];
  if (!('live-restore' in config)) {
    if (swarm) {
      notes.push('live-restore left off: this engine is in Swarm mode, which refuses it (containers stop while dockerd restarts)');
    } else {
      config['live-restore'] = true;
      notes.push('live-restore: true (containers keep serving while dockerd restarts or upgrades)');
    }
  } else if (config['live-restore'] !== true) {
    notes.push('live-restore is set to false in the file; left as it is (containers stop while dockerd restarts)');
  }
  if (!('default-address-pools' in config)) {
    config['default-address-pools'] = ADDRESS_POOLS;
    notes.push("default-address-pools: 172.16.0.0/12 in /24 networks (room for 4096 networks; Docker's default allows about 30)");
  }
  return { config, notes, changed: JSON.stringify(config) !== JSON.stringify(current) };
}

/** Reads the file (missing or empty: no settings), merges, and writes it back atomically if anything changed. */
export function mergeDaemonConfigFile(path, options) {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  let current = {};
  if (text.trim() !== '') {
    try {
      current = JSON.parse(text);
    } catch (error) {
      throw new Error(`${path} is not valid JSON (${error.message}); fix it, then run the installer again`);
    }
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      throw new Error(`${path} must hold a JSON object; fix it, then run the installer again`);
    }
  }
  const result = mergeDaemonConfig(current, options);
  if (result.changed) {
    const temp = `${path}.paas-new`;
    writeFileSync(temp, `${JSON.stringify(result.config, null, 2)}\n`, { mode: 0o644 });
    renameSync(temp, path);
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [path, ...flags] = process.argv.slice(2);
  if (!path) {
    console.error('usage: docker-daemon-config.mjs DAEMON_JSON [--swarm]');
    process.exit(2);
  }
  try {
    const { notes, changed } = mergeDaemonConfigFile(path, { swarm: flags.includes('--swarm') });
    for (const note of notes) console.log(`       ${note}`);
    console.log(changed ? `       ${path} updated; the other settings in it are kept` : `       ${path} already has what paas needs`);
    process.exit(changed ? 10 : 0);
  } catch (error) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
}
