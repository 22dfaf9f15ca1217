import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { startDaemon, waitUntil, type DaemonHandle } from './harness.js';

/**
 * A plugin that exists only in this test's temporary folder: a command (hello:world) and a
 * service (memo:*, a busybox httpd on the service kit), with no change to src/.
 */
const [bbImage, bbVersion] = BUSYBOX_IMAGE.split(':') as [string, string];
const PLUGIN = `
export default function plugin(kit) {
  const hello = {
    name: 'hello',
    description: 'hello:world greets',
    topics: ['hello'],
    register(api) {
      api.commands.register({
        name: 'hello:world',
        summary: 'Say hello',
        usage: '[WHO]',
        examples: ['paas hello:world', 'paas hello:world you'],
        arity: [0, 1],
        handler({ args: [who], stdout }) {
          if (who === 'nobody') throw new kit.UserError('nobody is not someone to greet');
          kit.writeLine(stdout, 'hello ' + (who ?? 'world') + ' from paas ' + kit.paasVersion);
        },
      });
      api.builders.register({ name: 'hello-builder', detect: async () => false, build: async () => { throw new Error('unused'); } });
      api.apiRoutes.push(async (app) => app.get('/hello-route', async () => 'hello route'));
    },
  };
  const memo = kit.servicePart(
    {
      plugin: 'memo',
      title: 'Memo',
      noun: 'note store',
      port: 7000,
      linkKey: 'MEMO_URL',
      exampleName: 'notes',
      image: { official: '${bbImage}', defaultVersion: '${bbVersion}' },
      dataPath: () => '/data',
      container: (service) => ({
        cmd: ['sh', '-c', 'echo "$1" > /data/password && exec httpd -f -p 7000 -h /data', 'memo', service.password],
      }),
      url: (service, host) => 'http://memo:' + service.password + '@' + host + ':7000',
      readiness: () => ({ cmd: ['wget', '-q', '-O', '-', 'http://127.0.0.1:7000/password'] }),
    },
    { description: 'memo:* note stores' },
  );
  return [hello, memo];
}
`;

let daemon: DaemonHandle;
let source: string;

beforeAll(async () => {
  source = mkdtempSync(join(tmpdir(), 'paas-plugin-src-'));
  writeFileSync(join(source, 'index.mjs'), PLUGIN);
  daemon = await startDaemon();
}, 120_000);

afterAll(async () => {
  await daemon?.destroy();
  rmSync(source, { recursive: true, force: true });
}, 120_000);

describe('a plugin from a folder outside the repository', () => {
  it('plugin:install copies and loads it: its command works at once', async () => {
    const installed = await daemon.paasOk(['plugin:install', source, '--name', 'demo']);
    expect(installed).toContain('-----> Plugin demo enabled: hello:world greets; memo:* note stores');
    expect(existsSync(join(daemon.home, 'plugins/demo/index.mjs'))).toBe(true);
    expect(await daemon.paasOk(['hello:world'])).toMatch(/^hello world from paas \S+\n$/);
    const bad = await daemon.paas(['hello:world', 'nobody']);
    expect([bad.code, bad.stderr]).toEqual([1, 'error: nobody is not someone to greet\n']);
    expect(await daemon.paasOk(['plugin:list'])).toMatch(/demo +plugin +enabled +hello:world greets; memo:\* note stores/);
    expect((await daemon.paas(['plugin:installed', 'demo'])).code).toBe(0);
    expect((await daemon.paas(['plugin:install', source, '--name', 'demo'])).stderr).toContain('plugin "demo" is already installed');
  });

  it('its service runs on the kit: create, link, info', async () => {
    const created = await daemon.paasOk(['memo:create', 'notes'], { timeoutMs: 120_000 });
    expect(created).toContain('=====> Memo service notes created');
    expect((await daemon.paasOk(['memo:info', 'notes', '--status'])).trim()).toBe('running');
    await daemon.paasOk(['apps:create', 'reader']);
    expect(await daemon.paasOk(['memo:link', 'notes', 'reader', '--no-restart'])).toContain('as MEMO_URL');
    const dsn = (await daemon.paasOk(['memo:info', 'notes', '--dsn'])).trim();
    expect(dsn).toMatch(/^http:\/\/memo:[0-9a-f]{32}@paas-memo-notes:7000$/);
    expect((await daemon.paasOk(['config:get', 'reader', 'MEMO_URL'])).trim()).toBe(dsn);
  }, 180_000);

  it('is loaded again when the daemon starts, and its service runs again', async () => {
    await daemon.stop();
    await daemon.start();
    expect(await daemon.paasOk(['hello:world', 'again'])).toContain('hello again');
    await waitUntil('the memo service', async () => (await daemon.paasOk(['memo:info', 'notes', '--status'])).trim() === 'running');
  }, 120_000);

  it('plugin:disable takes its commands away at once and across restarts; plugin:enable brings them back', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'route-reader'])).trim();
    const route = () =>
      fetch(`http://127.0.0.1:${daemon.apiPort}/hello-route`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => [
        r.status,
        await r.text(),
      ]);
    expect(await route()).toEqual([200, 'hello route']);
    await daemon.paasOk(['builder:set', 'reader', 'selected', 'hello-builder']);
    await daemon.paasOk(['builder:set', 'reader', 'selected']);

    const disabled = await daemon.paasOk(['plugin:disable', 'demo']);
    expect(disabled).toContain('Plugin demo disabled: its commands, builders, triggers and routes stop now');
    expect(disabled).toContain('after plugin:enable they come back at the next daemon start');
    expect((await daemon.paas(['hello:world'])).stderr).toContain('unknown command "hello:world"');
    // Builders and HTTP routes go at once too, not at the next restart.
    expect((await daemon.paas(['builder:set', 'reader', 'selected', 'hello-builder'])).stderr).toContain('unknown builder "hello-builder"');
    expect((await route())[0]).toBe(404);
    expect(await daemon.paasOk(['plugin:list'])).toMatch(/demo +plugin +disabled \(disabled by plugin:disable\)/);
    await daemon.stop();
    await daemon.start();
    expect((await daemon.paas(['memo:list'])).stderr).toContain('unknown command "memo:list"');
    expect(await daemon.paasOk(['plugin:enable', 'demo'])).toContain('Plugin demo enabled');
    expect(await daemon.paasOk(['memo:list'])).toMatch(/notes +\S+ +running +reader/);
  }, 120_000);

  it('built-in parts cannot be disabled, and bad names are refused', async () => {
    expect((await daemon.paas(['plugin:disable', 'postgres'])).stderr).toBe(
      'error: postgres is built into paas; only installed plugins can be changed\n',
    );
    expect((await daemon.paas(['plugin:uninstall', '../x'])).stderr).toMatch(/^error: invalid plugin name/);
    expect((await daemon.paas(['plugin:install', 'relative/path'])).stderr).toMatch(/^error: give the plugin's folder as an absolute path/);
  });

  it('cannot be installed over the API, even with a valid token', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'remote'])).trim();
    const remote = { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token };
    const result = await daemon.paas(['plugin:install', source, '--name', 'sneaky'], { env: remote });
    expect(result.stderr).toMatch(/^error: a plugin's code runs inside the daemon: install it as root on the server/);
    expect(existsSync(join(daemon.home, 'plugins/sneaky'))).toBe(false);
    expect(await daemon.paasOk(['hello:world'], { env: remote })).toContain('hello world');
  });
});

describe('a plugin that fails', () => {
  it('is not installed when it fails to load', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'paas-plugin-broken-'));
    try {
      writeFileSync(join(broken, 'index.mjs'), "export default { name: 'broken', description: 'x', topics: ['apps'], register() {} };\n");
      const result = await daemon.paas(['plugin:install', broken, '--name', 'broken']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toBe(
        'error: plugin broken failed to load, so it was not installed: the command topic "apps" is already used by other commands\n',
      );
      expect(existsSync(join(daemon.home, 'plugins/broken'))).toBe(false);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('is refused when its parts are loaded already (the same plugin under a second name)', async () => {
    const again = await daemon.paas(['plugin:install', source, '--name', 'again']);
    expect(again.stderr).toBe('error: plugin again failed to load, so it was not installed: a part named "hello" is already loaded\n');
    expect(existsSync(join(daemon.home, 'plugins/again'))).toBe(false);
  });

  it('is disabled with its reason when it breaks at daemon start, and the daemon runs on', async () => {
    const flaky = mkdtempSync(join(tmpdir(), 'paas-plugin-flaky-'));
    try {
      writeFileSync(
        join(flaky, 'index.mjs'),
        "export default { name: 'flaky', description: 'flaky:ok', topics: ['flaky'], register() {} };\n",
      );
      await daemon.paasOk(['plugin:install', flaky, '--name', 'flaky']);
    } finally {
      rmSync(flaky, { recursive: true, force: true });
    }
    await daemon.stop();
    writeFileSync(join(daemon.home, 'plugins/flaky/index.mjs'), "throw new Error('flaky broke');\n");
    await daemon.start();
    expect(await daemon.paasOk(['hello:world'])).toContain('hello world');
    expect(await daemon.paasOk(['plugin:list'])).toMatch(/flaky +plugin +disabled \(failed to load: flaky broke\)/);
    expect(readFileSync(join(daemon.home, 'logs/paasd.log'), 'utf8')).toContain('plugin disabled: it failed to load');
  }, 120_000);
});

describe('cleaning up', () => {
  it('plugin:uninstall removes the files; the service must be destroyed first to free its network', async () => {
    await daemon.paasOk(['memo:unlink', 'notes', 'reader', '--no-restart']);
    await daemon.paasOk(['memo:destroy', 'notes', '--force']);
    expect(await daemon.paasOk(['plugin:uninstall', 'demo'])).toContain('Plugin demo uninstalled');
    expect(existsSync(join(daemon.home, 'plugins/demo'))).toBe(false);
    expect((await daemon.paas(['hello:world'])).code).not.toBe(0);
  }, 120_000);
});
