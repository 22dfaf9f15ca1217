import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAAS_BIN, appWorkTree, buildRunning, httpGet, run, startDaemon, type DaemonHandle } from './harness.js';

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
  { topic: 'proxy', prefix: 'proxy', key: 'type', value: 'nginx' },
  { topic: 'logs', prefix: 'logs', key: 'max-size', value: '20m' },
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
    expect(json).toMatchObject({
      selected: 'buildpacks',
      'global-selected': '',
      'computed-selected': 'buildpacks',
      'builder-selected': 'buildpacks',
    });
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
    ['proxy', 'proxy', 'enabled'],
    ['ports', 'ports', 'map'],
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

describe('apps:exists, apps:lock, apps:clone, config:import and config:export', () => {
  it('apps:exists exits 0 or 1, printing nothing on stdout', async () => {
    expect(await daemon.paas(['apps:exists', 'python-app'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await daemon.paas(['apps:exists', 'ghost'])).toEqual({ code: 1, stdout: '', stderr: 'App does not exist\n' });
  });

  it('a locked app refuses pushes until apps:unlock; apps:clone copies code and config and deploys', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
    const remote = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/locked.git`;
    await daemon.paasOk(['apps:create', 'locked']);
    expect(await daemon.paasOk(['apps:lock', 'locked'])).toBe('-----> Deploy lock created\n');
    expect(await daemon.paas(['apps:locked', 'locked'])).toMatchObject({ code: 0, stdout: 'Deploy lock exists\n' });
    expect(await daemon.paasOk(['apps:report', 'locked', '--app-locked'])).toBe('true\n');
    const tree = await appWorkTree('hello');
    const refused = await tree.git('push', remote, 'main');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/remote: .*locked is locked for deploys \(apps:lock\); unlock it with: paas apps:unlock locked/);
    expect(await daemon.paasOk(['releases', 'locked'])).not.toMatch(/v1/);

    expect(await daemon.paasOk(['apps:unlock', 'locked'])).toBe('-----> Deploy lock removed\n');
    expect(await daemon.paas(['apps:locked', 'locked'])).toMatchObject({ code: 1, stdout: '', stderr: 'Deploy lock does not exist\n' });
    const pushed = await tree.git('push', remote, 'main');
    expect(pushed.code, pushed.stderr).toBe(0);

    await daemon.paasOk(['config:set', 'locked', 'GREETING=cloned']);
    await daemon.paasOk(['domains:add', 'locked', 'locked.example.test']);
    const clone = await daemon.paasOk(['apps:clone', 'locked', 'copy']);
    expect(clone).toMatch(/-----> Cloning locked to copy[\s\S]*Application deployed[\s\S]*-----> Cloned locked to copy\n$/);
    expect(await daemon.paasOk(['config:get', 'copy', 'GREETING'])).toBe('cloned\n');
    expect(await daemon.paasOk(['domains:report', 'copy', '--domains-app-vhosts'])).not.toContain('locked.example.test');
    const url = (await daemon.paasOk(['urls', 'copy'])).trim().split('\n')[0]!;
    expect((await httpGet(url)).status).toBe(200);

    const again = await daemon.paas(['apps:clone', 'locked', 'copy']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(await daemon.paas(['apps:clone', '--ignore-existing', 'locked', 'copy'])).toMatchObject({ code: 0 });
    await daemon.paasOk(['apps:clone', '--skip-deploy', 'locked', 'copy2']);
    expect(await daemon.paasOk(['releases', 'copy2'])).not.toMatch(/v1/);
    expect(await daemon.paasOk(['config:get', 'copy2', 'GREETING'])).toBe('cloned\n');
  });

  it('config:export formats as Dokku has them, and config:import reads them back', async () => {
    await daemon.paasOk(['config:set', '--no-restart', 'python-app', "B=it's two", 'C=x"y', 'SET=1']);
    expect(await daemon.paasOk(['config:export', 'python-app'])).toBe("export B='it'\\''s two'\nexport C='x\"y'\nexport SET='1'\n");
    expect(await daemon.paasOk(['config:export', '--format', 'shell', 'python-app'])).toBe("B='it'\\''s two' C='x\"y' SET='1'\n");
    expect(await daemon.paasOk(['config:export', '--format', 'docker-args', 'python-app'])).toBe(
      "--env=B='it'\\''s two' --env=C='x\"y' --env=SET='1'\n",
    );
    const envfile = await daemon.paasOk(['config:export', '--format', 'envfile', 'python-app']);
    await daemon.paasOk(['apps:create', 'imported']);
    const imported = await daemon.paasOk(['config:import', '--no-restart', 'imported'], { input: envfile });
    expect(imported).toMatch(/-----> Setting config vars for imported/);
    const json = await daemon.paasOk(['config:export', '--format', 'json', 'python-app']);
    expect(await daemon.paasOk(['config:export', '--format', 'json', 'imported'])).toBe(json);
    await daemon.paasOk(['config:import', '--format', 'json', '--no-restart', 'imported'], { input: '{"FROM_JSON": "yes"}' });
    expect(await daemon.paasOk(['config:get', 'imported', 'FROM_JSON'])).toBe('yes\n');
    const bad = await daemon.paas(['config:import', 'imported'], { input: 'not a var line\n' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/line 1 is not KEY=VALUE/);
  });
});

describe('names and values as Dokku accepts them', () => {
  it('takes app names that start with a digit, and Heroku buildpack short names', async () => {
    await daemon.paasOk(['apps:create', '2048']);
    const added = await daemon.paasOk(['buildpacks:add', '2048', 'heroku/nodejs']);
    expect(added).toMatch(/^-----> heroku\/nodejs is served by the built-in buildpack paas\/nodejs \(same language\)\n/);
    expect(await daemon.paasOk(['buildpacks:report', '2048', '--buildpacks-list'])).toBe('paas/nodejs\n');
    const ruby = await daemon.paas(['buildpacks:add', '2048', 'heroku/ruby']);
    expect(ruby.code).toBe(1);
    expect(ruby.stderr).toMatch(/heroku-buildpack-ruby\.git/);
    await daemon.paasOk(['--force', 'apps:destroy', '2048']);
  });
});

describe('ports:report and certs:show', () => {
  it('ports:report shows the map and the default one under Dokku flag names', async () => {
    await daemon.paasOk(['apps:create', 'ported']);
    const detected = (await daemon.paasOk(['ports:report', 'ported', '--ports-map-detected'])).trim();
    expect(detected).toBe(`http:${daemon.httpPort}:5000`);
    await daemon.paasOk(['ports:set', 'ported', 'http:8089:3000']);
    expect(await daemon.paasOk(['ports:report', 'ported', '--ports-map'])).toBe('http:8089:3000\n');
    expect(await daemon.paasOk(['ports:report', 'ported'])).toMatch(
      /^=====> ported ports information\n {7}Ports map: +http:8089:3000\n {7}Ports map detected: +http:\d+:5000\n$/,
    );
  });

  it('certs:show prints the certificate or the key', async () => {
    const none = await daemon.paas(['certs:show', 'ported', 'crt']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/has no certificate/);
    await daemon.paasOk(['certs:generate', 'ported', 'ported.example.test']);
    expect(await daemon.paasOk(['certs:show', 'ported', 'crt'])).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]*-----END CERTIFICATE-----\n$/,
    );
    expect(await daemon.paasOk(['certs:show', 'ported', 'key'])).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await daemon.paasOk(['certs:report', 'ported', '--ssl-hostnames'])).toBe('ported.example.test\n');
  });
});

describe('builds:info and builds:cancel', () => {
  it('cancels a running deploy, and builds:info shows how it ended', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'canceler'])).trim();
    const tree = await appWorkTree('slow-build');
    const pushing = tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/slowpoke.git`, 'main');
    expect(await buildRunning(daemon, 'slowpoke')).toBe(true);
    expect(await daemon.paasOk(['builds:cancel', 'slowpoke'])).toBe('-----> Canceling the running build of slowpoke\n');
    const push = await pushing;
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/cancel|abort/i);
    const [build] = JSON.parse(await daemon.paasOk(['builds:list', 'slowpoke', '--format', 'json'])) as Array<{ id: number }>;
    const info = JSON.parse(await daemon.paasOk(['builds:info', 'slowpoke', String(build!.id), '--format', 'json'])) as Record<
      string,
      unknown
    >;
    expect(info).toMatchObject({ id: build!.id, app: 'slowpoke', status: 'failed' });
    expect(await daemon.paasOk(['builds:info', 'slowpoke', String(build!.id)])).toMatch(
      new RegExp(`^=====> Build ${build!.id}\\n {7}Build ID: +${build!.id}\\n`),
    );
    expect(await daemon.paasOk(['builds:cancel', 'slowpoke'])).toBe('-----> No build of slowpoke is running\n');
  });
});

describe('events', () => {
  it("logs what paas did, as Dokku's events do, and events:off stops it", async () => {
    await daemon.paasOk(['apps:create', 'eventful']);
    expect(await daemon.paasOk(['events'])).toMatch(/ paas\[\d+\]: INVOKED: post-create\( eventful \)\n/);
    expect(await daemon.paasOk(['events:list'])).toMatch(/^=====> Events currently logged\n(.+\n)*post-create\n/);
    await daemon.paasOk(['config:set', '--no-restart', 'eventful', 'SECRET=hunter2']);
    expect(await daemon.paasOk(['events'])).not.toContain('hunter2');
    expect(await daemon.paasOk(['events:off'])).toBe('Disabling paas events logger\n');
    await daemon.paasOk(['--force', 'apps:destroy', 'eventful']);
    expect(await daemon.paasOk(['events'])).not.toMatch(/app-destroy\( eventful \)/);
    await daemon.paasOk(['events:on']);
    await daemon.paasOk(['apps:create', 'eventful2']);
    expect(await daemon.paasOk(['events', '-n', '1'])).toMatch(/INVOKED: post-create\( eventful2 \)\n$/);
  });
});

describe('logs:set, logs:report, logs:failed', () => {
  it('caps the log files of new containers with max-size, and shows failed deploys', async () => {
    expect(await daemon.paasOk(['logs:report', 'copy', '--logs-computed-max-size'])).toBe('10m\n');
    expect(await daemon.paasOk(['logs:set', 'copy', 'max-size', '20m'])).toBe('-----> Setting max-size to 20m\n');
    const bad = await daemon.paas(['logs:set', 'copy', 'max-size', 'huge']);
    expect(bad.code).toBe(1);
    await daemon.paasOk(['ps:restart', 'copy']);
    const names = (await run('docker', ['ps', '--filter', `label=paas.app=copy`, '--format', '{{.Names}}'])).stdout
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(names.length).toBeGreaterThan(0);
    const config = JSON.parse(
      (await run('docker', ['inspect', '--format', '{{json .HostConfig.LogConfig.Config}}', names[0]!])).stdout,
    ) as Record<string, string>;
    expect(config['max-size']).toBe('20m');
    expect(await daemon.paasOk(['logs:set', '--global', 'vector-sink', 'console://'])).toBe('-----> Setting vector-sink to console://\n');
    expect(await daemon.paasOk(['logs:report', 'copy', '--logs-computed-vector-sink'])).toBe('console://\n');

    expect(await daemon.paasOk(['logs:failed', 'slowpoke'])).toMatch(/^=====> slowpoke failed deploy \(build \d+, /);
    expect(await daemon.paasOk(['logs:failed', 'copy'])).toBe('-----> copy has no failed deploy\n');
    expect(await daemon.paasOk(['logs:failed', '--all'])).toMatch(/=====> slowpoke failed deploy/);
  });
});

describe('global domains', () => {
  it('domains:set-global, add-global and remove-global take several domains; every app gets APP.D for each', async () => {
    expect(await daemon.paasOk(['domains:set-global', 'one.test', 'two.test'])).toMatch(
      /^-----> Apps are served at APP\.one\.test APP\.two\.test\n/,
    );
    expect(await daemon.paasOk(['domains:report', 'python-app', '--domains-app-vhosts'])).toBe('python-app.one.test python-app.two.test\n');
    await daemon.paasOk(['domains:add-global', 'three.test']);
    expect(await daemon.paasOk(['domains:report', '--global', '--domains-global-vhosts'])).toBe('one.test two.test three.test\n');
    await daemon.paasOk(['domains:remove-global', 'one.test']);
    expect(await daemon.paasOk(['domains:report', 'python-app', '--domains-app-vhosts'])).toBe(
      'python-app.two.test python-app.three.test\n',
    );
    const missing = await daemon.paas(['domains:remove-global', 'nope.test']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.test is not a global domain/);
    const taken = await daemon.paas(['domains:add', 'python-app', 'node-js-app.three.test']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/default URL of the app "node-js-app"/);
    await daemon.paasOk(['domains:clear-global']);
    expect(await daemon.paasOk(['domains:report', '--global', '--domains-global-enabled'])).toBe('false\n');
  });
});
