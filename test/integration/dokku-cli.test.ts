import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAAS_BIN, run, startDaemon, type DaemonHandle } from './harness.js';

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
    expect(scope.stderr).toMatch(/usage: paas apps:set --global KEY \[VALUE\]/);
  });

  it('reports every app without APP, one section each', async () => {
    const report = await daemon.paasOk(['domains:report']);
    expect(report).toMatch(/^=====> node-js-app domains information\n/);
    expect(report).toMatch(/\n=====> python-app domains information\n/);
  });
});

describe('global flags and output conventions, as Dokku has them', () => {
  /** The CLI under the name dokku, as install.sh puts it on the PATH. */
  function dokkuPath(): string {
    const dir = mkdtempSync(join(tmpdir(), 'paas-dokku-bin-'));
    symlinkSync(PAAS_BIN, join(dir, 'dokku'));
    return dir;
  }

  it('dokku apps:create x && dokku --quiet apps:list | xargs -n1 dokku --force apps:destroy', async () => {
    const bin = dokkuPath();
    const env = { ...daemon.env, PATH: `${bin}:${process.env.PATH}` };
    const script = 'dokku apps:create x && dokku --quiet apps:list | xargs -n1 dokku --force apps:destroy';
    const result = await run('sh', ['-c', script], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Destroyed node-js-app[\s\S]*Destroyed python-app[\s\S]*Destroyed x/);
    expect(await daemon.paasOk(['--quiet', 'apps:list'])).toBe('');
    await daemon.paasOk(['apps:create', 'node-js-app']);
    await daemon.paasOk(['apps:create', 'python-app']);
    expect(await daemon.paasOk(['--quiet', 'apps:list'])).toBe('node-js-app\npython-app\n');
    expect(await daemon.paasOk(['apps:list'])).toBe('=====> My Apps\nnode-js-app\npython-app\n');
  });

  it('--quiet drops progress lines; without --force destroy refuses', async () => {
    expect(await daemon.paasOk(['--quiet', 'builder:set', 'python-app', 'build-dir', 'x'])).toBe('');
    expect(await daemon.paasOk(['--quiet', 'builder:report', 'python-app'])).not.toMatch(/=====>/);
    const refused = await daemon.paas(['apps:destroy', 'python-app']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--force/);
  });

  it('config:get of an unset var prints nothing and exits 1', async () => {
    await daemon.paasOk(['config:set', '--no-restart', 'python-app', 'SET=1']);
    expect(await daemon.paas(['config:get', 'python-app', 'SET'])).toMatchObject({ code: 0, stdout: '1\n' });
    expect(await daemon.paas(['config:get', 'python-app', 'UNSET'])).toEqual({ code: 1, stdout: '', stderr: '' });
  });

  it('takes the app from --app, DOKKU_APP / PAAS_APP, or a dokku git remote in the current folder', async () => {
    expect(await daemon.paasOk(['--app', 'python-app', 'config:get', 'SET'])).toBe('1\n');
    expect(await daemon.paasOk(['config:get', 'SET'], { env: { DOKKU_APP: 'python-app' } })).toBe('1\n');
    expect(await daemon.paasOk(['config:get', 'SET'], { env: { PAAS_APP: 'python-app' } })).toBe('1\n');
    // an app on the command line wins over the hint
    expect(await daemon.paas(['config:get', 'node-js-app', 'SET'], { env: { PAAS_APP: 'python-app' } })).toMatchObject({ code: 1 });
    const repo = mkdtempSync(join(tmpdir(), 'paas-remote-'));
    await run('git', ['init', '-q', repo]);
    await run('git', ['-C', repo, 'remote', 'add', 'dokku', 'dokku@my-server:python-app']);
    expect(await daemon.paasOk(['config:get', 'SET'], { cwd: repo })).toBe('1\n');
    expect(await daemon.paasOk(['builder:report', '--builder-build-dir'], { cwd: repo })).toBe('x\n');
    // apps:create NAME in such a folder still creates NAME
    await daemon.paasOk(['apps:create', 'third'], { cwd: repo });
    await daemon.paasOk(['--force', 'apps:destroy', 'third']);
  });
});
