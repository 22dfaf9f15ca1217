import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;

beforeAll(async () => {
  daemon = await startDaemon();
  await daemon.paasOk(['apps:create', 'node-js-app']);
  await daemon.paasOk(['apps:create', 'python-app']);
});
afterAll(async () => {
  await daemon?.destroy();
});

/** Every topic with properties: TOPIC:set, the key and a valid value. */
const PROPERTY_TOPICS = [
  { topic: 'builder', prefix: 'builder', key: 'build-dir', value: 'apps/web' },
  { topic: 'builder-dockerfile', prefix: 'builder-dockerfile', key: 'build-args', value: 'NPM_TOKEN' },
  { topic: 'git', prefix: 'git', key: 'deploy-branch', value: 'production' },
  { topic: 'nginx', prefix: 'nginx', key: 'client-max-body-size', value: '50m' },
  { topic: 'releases', prefix: 'releases', key: 'retention', value: '5' },
] as const;

describe('properties and reports, as Dokku has them', () => {
  it('builder:set / builder:report: app, global and computed values under Dokku flag names', async () => {
    expect(await daemon.paasOk(['builder:set', 'node-js-app', 'build-dir', 'custom'])).toBe('-----> Setting build-dir to custom\n');
    expect(await daemon.paasOk(['builder:report', 'node-js-app', '--builder-build-dir'])).toBe('custom\n');
    expect(await daemon.paasOk(['builder:report', 'node-js-app', '--builder-computed-build-dir'])).toBe('custom\n');
    expect(await daemon.paasOk(['builder:report', 'node-js-app', '--builder-global-build-dir'])).toBe('\n');
    const report = await daemon.paasOk(['builder:report', 'node-js-app']);
    expect(report.split('\n')[0]).toBe('=====> node-js-app builder information');
    expect(report).toMatch(/\n {7}Builder build dir: +custom\n/);
    expect(report).toMatch(/\n {7}Builder computed build dir: +custom\n/);
    expect(report).toMatch(/\n {7}Builder global build dir:\n/);

    expect(await daemon.paasOk(['builder:set', '--global', 'selected', 'dockerfile'])).toBe('-----> Setting selected to dockerfile\n');
    expect(await daemon.paasOk(['builder:report', 'python-app', '--builder-computed-selected'])).toBe('dockerfile\n');
    expect(await daemon.paasOk(['builder:report', 'python-app', '--builder-selected'])).toBe('\n');
    expect(await daemon.paasOk(['builder:set', '--global', 'selected'])).toBe('-----> Unsetting selected\n');
    expect(await daemon.paasOk(['builder:report', 'python-app', '--builder-computed-selected'])).toBe('\n');

    // no value unsets
    await daemon.paasOk(['builder:set', 'node-js-app', 'build-dir']);
    expect(await daemon.paasOk(['builder:report', 'node-js-app', '--builder-build-dir'])).toBe('\n');
  });

  it('prints Dokku JSON keys (flag names without the prefix, and the legacy prefixed ones)', async () => {
    await daemon.paasOk(['builder:set', 'node-js-app', 'selected', 'buildpacks']);
    const json = JSON.parse(await daemon.paasOk(['builder:report', 'node-js-app', '--format', 'json'])) as Record<string, string>;
    expect(json).toMatchObject({ selected: 'buildpacks', 'global-selected': '', 'computed-selected': 'buildpacks', 'builder-selected': 'buildpacks' });
    const domains = JSON.parse(await daemon.paasOk(['domains:report', 'node-js-app', '--format', 'json'])) as Record<string, string>;
    expect(Object.keys(domains)).toEqual(expect.arrayContaining(['app-vhosts', 'domains-app-vhosts', 'app-enabled', 'global-vhosts']));
    const apps = JSON.parse(await daemon.paasOk(['apps:report', 'node-js-app', '--format', 'json'])) as Record<string, string>;
    expect(apps['app-dir']).toMatch(/node-js-app/);
    expect(apps['global-disable-autocreation']).toBe('false');
  });

  it.each(PROPERTY_TOPICS)('$topic:set sets, reports and unsets $key the same way', async ({ topic, prefix, key, value }) => {
    expect(await daemon.paasOk([`${topic}:set`, 'python-app', key, value])).toBe(`-----> Setting ${key} to ${value}\n`);
    expect(await daemon.paasOk([`${topic}:report`, 'python-app', `--${prefix}-${key}`])).toBe(`${value}\n`);
    expect(await daemon.paasOk([`${topic}:report`, 'python-app', `--${prefix}-computed-${key}`])).toBe(`${value}\n`);
    const json = JSON.parse(await daemon.paasOk([`${topic}:report`, 'python-app', '--format', 'json'])) as Record<string, string>;
    expect(json[key]).toBe(value);
    expect(json[`${prefix}-${key}`]).toBe(value);
    expect(await daemon.paasOk([`${topic}:set`, 'python-app', key])).toBe(`-----> Unsetting ${key}\n`);
    expect(await daemon.paasOk([`${topic}:report`, 'python-app', `--${prefix}-${key}`])).toBe('\n');
    expect(await daemon.paasOk([`${topic}:set`, '--global', key, value])).toBe(`-----> Setting ${key} to ${value}\n`);
    expect(await daemon.paasOk([`${topic}:report`, '--global', `--${prefix}-global-${key}`])).toBe(`${value}\n`);
    expect(await daemon.paasOk([`${topic}:report`, 'python-app', `--${prefix}-computed-${key}`])).toBe(`${value}\n`);
    await daemon.paasOk([`${topic}:set`, '--global', key]);
  });

  it.each([
    ['apps', 'app', 'dir'],
    ['buildpacks', 'buildpacks', 'computed-stack'],
    ['certs', 'ssl', 'enabled'],
    ['domains', 'domains', 'app-enabled'],
    ['ps', 'ps', 'release'],
    ['resource', 'resource', 'processes-memory-limit'],
  ])('%s:report APP --%s-%s prints one value', async (topic, prefix, key) => {
    const result = await daemon.paas([`${topic}:report`, 'node-js-app', `--${prefix}-${key}`]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toHaveLength(2);
  });

  it('refuses a flag the report does not have, and bad values, without changing anything', async () => {
    const bad = await daemon.paas(['git:report', 'node-js-app', '--git-nope']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/invalid flag passed --git-nope; valid flags: .*--git-deploy-branch/);
    const value = await daemon.paas(['nginx:set', 'node-js-app', 'client-max-body-size', '1m; return 200']);
    expect(value.code).toBe(1);
    expect(value.stderr).toMatch(/invalid value/);
    expect(await daemon.paasOk(['nginx:report', 'node-js-app', '--nginx-client-max-body-size'])).toBe('\n');
    const scope = await daemon.paas(['apps:set', 'node-js-app', 'disable-autocreation', 'true']);
    expect(scope.code).toBe(1);
    expect(scope.stderr).toMatch(/global only/);
  });

  it('reports every app without APP, one section each', async () => {
    const report = await daemon.paasOk(['domains:report']);
    expect(report).toMatch(/^=====> node-js-app domains information\n/);
    expect(report).toMatch(/\n=====> python-app domains information\n/);
  });
});
