import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, httpGet, paasBytes as paasBinary, waitUntil, run, startDaemon, type DaemonHandle } from './harness.js';

// paas/redis:7 is made by global-setup (from Debian's redis-server, no registry needed).
let daemon: DaemonHandle;
let instance: string;
let remote: string;

beforeAll(async () => {
  daemon = await startDaemon();
  instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/redisapp.git`;
}, 120_000);

afterAll(async () => {
  if (!daemon) return;
  await daemon.stop();
  // The managed nginx outlives its daemon by design; this test's one goes with the test.
  try {
    process.kill(Number(readFileSync(join(daemon.home, 'nginx/nginx.pid'), 'utf8').trim()), 'SIGQUIT');
  } catch {
    // no nginx was started
  }
  // Containers, volumes and every network (the services' own ones too), by instance label.
  await daemon.destroy();
}, 120_000);

const paasBytes = (args: readonly string[], input?: Buffer) => paasBinary(daemon, args, input);

const cli = async (service: string, command: string) => (await daemon.paasOk(['redis:connect', service], { input: `${command}\n` })).trim();
const appUrl = async () => (await daemon.paasOk(['urls', 'redisapp'])).trim().split('\n')[0]!;
const greeting = async () => (await httpGet(`${await appUrl()}/cgi-bin/kv`)).body;

describe('a redis service linked to an app', () => {
  it('redis:create runs a password-protected server with appendonly persistence on its own network', async () => {
    const output = await daemon.paasOk(['redis:create', 'cache'], { timeoutMs: 600_000 });
    expect(output).toContain('=====> Redis service cache created');
    expect(output).toMatch(/DSN: redis:\/\/:[0-9a-f]{32}@paas-redis-cache:6379\n/);
    expect((await daemon.paasOk(['redis:info', 'cache', '--status'])).trim()).toBe('running');
    expect(await cli('cache', 'CONFIG GET appendonly')).toBe('appendonly\nyes');
    const id = (await daemon.paasOk(['redis:info', 'cache', '--id'])).trim();
    const inspect = JSON.parse((await run('docker', ['inspect', id])).stdout)[0];
    expect(Object.keys(inspect.NetworkSettings.Networks)).toEqual([`paas-${instance}-redis-cache`]);
    expect(inspect.Mounts[0]).toMatchObject({ Type: 'volume', Name: `paas-redis-${instance}-cache`, Destination: '/data' });
    expect(await daemon.paasOk(['redis:list'])).toMatch(/cache +\S+redis:7 +running +-/);
    expect((await daemon.paas(['redis:create', 'cache'])).stderr).toContain('redis service "cache" already exists');
    expect((await daemon.paas(['redis:create', 'Bad Name'])).stderr).toMatch(/^error: invalid service name/);
  }, 600_000);

  it('link sets REDIS_URL; the app sets and gets a key through it', async () => {
    await daemon.paasOk(['apps:create', 'redisapp']);
    expect(await daemon.paasOk(['redis:link', 'cache', 'redisapp'])).toContain('Linking redis service cache to redisapp as REDIS_URL');
    expect((await daemon.paasOk(['config:get', 'redisapp', 'REDIS_URL'])).trim()).toBe(
      (await daemon.paasOk(['redis:info', 'cache', '--dsn'])).trim(),
    );
    const tree = await appWorkTree('redisapp');
    const push = await tree.git('push', remote, 'main');
    expect(push.code, push.stderr).toBe(0);
    const set = await httpGet(`${await appUrl()}/cgi-bin/kv?set=hello-from-app`);
    expect(set.body).toBe('+OK\r\n+OK\r\n+OK\r\n');
    expect(await greeting()).toBe('+OK\r\n$14\r\nhello-from-app\r\n+OK\r\n');
    expect(await cli('cache', 'GET greeting')).toBe('hello-from-app');
    expect((await daemon.paas(['redis:linked', 'cache', 'redisapp'])).code).toBe(0);
    expect(await daemon.paasOk(['redis:app-links', 'redisapp'])).toBe('cache\n');
  }, 300_000);

  it('the data survives redis:restart', async () => {
    expect(await daemon.paasOk(['redis:restart', 'cache'])).toContain('cache accepts connections');
    expect(await greeting()).toContain('hello-from-app');
  }, 120_000);

  it('the data survives a daemon restart, even with the container gone', async () => {
    await daemon.stop();
    await run('docker', ['rm', '-f', `paas-${instance}-redis-cache`]);
    await daemon.start();
    await waitUntil(
      'the redis service to run again',
      async () => (await daemon.paasOk(['redis:info', 'cache', '--status'])).trim() === 'running',
    );
    await waitUntil('redis to answer', async () => (await greeting()).includes('hello-from-app'));
  }, 120_000);

  it('apps:clone links the copy too, so it reaches the service; destroying the copy unlinks it', async () => {
    const out = await daemon.paasOk(['apps:clone', 'redisapp', 'redisclone']);
    expect(out).toContain('Linked redis service cache to redisclone as REDIS_URL');
    expect((await daemon.paas(['redis:linked', 'cache', 'redisclone'])).code).toBe(0);
    const url = (await daemon.paasOk(['urls', 'redisclone'])).trim().split('\n')[0]!;
    expect((await httpGet(`${url}/cgi-bin/kv`)).body).toContain('hello-from-app');
    await daemon.paasOk(['apps:destroy', 'redisclone', '--force']);
    expect(await daemon.paasOk(['redis:links', 'cache'])).toBe('redisapp\n');
  }, 180_000);
});

describe('export and import', () => {
  it('an RDB export imports into a fresh service with the same keys', async () => {
    await cli('cache', 'SET binary-ish "a\\x00b\\xffc"');
    const dump = await paasBytes(['redis:export', 'cache']);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout.subarray(0, 5).toString()).toBe('REDIS');
    await daemon.paasOk(['redis:create', 'copy'], { timeoutMs: 300_000 });
    await cli('copy', 'SET stale 1');
    const imported = await paasBytes(['redis:import', 'copy'], dump.stdout);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout.toString()).toContain('Imported into copy: 2 keys');
    expect(await cli('copy', 'GET greeting')).toBe('hello-from-app');
    expect(await cli('copy', 'STRLEN binary-ish')).toBe('5');
    expect(await cli('copy', 'EXISTS stale')).toBe('0');
    // Written to the append-only file too: a restart keeps the imported keys.
    await daemon.paasOk(['redis:restart', 'copy']);
    expect(await cli('copy', 'GET greeting')).toBe('hello-from-app');
  }, 300_000);

  it('a broken file is refused and changes nothing', async () => {
    const result = await paasBytes(['redis:import', 'copy'], Buffer.from('REDIS0011 not really a dump'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^error: the input is not a valid RDB file.*nothing was changed\n$/);
    expect(await cli('copy', 'GET greeting')).toBe('hello-from-app');
  }, 120_000);
});

describe('unlinking and destroying', () => {
  it('destroy is refused while linked and without --force; then it removes container, volume and network', async () => {
    const linked = await daemon.paas(['redis:destroy', 'cache', '--force']);
    expect(linked.stderr).toContain('redis service cache is linked to redisapp; unlink first: paas redis:unlink cache redisapp');
    await daemon.paasOk(['redis:unlink', 'cache', 'redisapp', '--no-restart']);
    expect((await daemon.paas(['config:get', 'redisapp', 'REDIS_URL'])).code).not.toBe(0);
    expect((await daemon.paas(['redis:linked', 'cache', 'redisapp'])).code).not.toBe(0);
    expect((await daemon.paas(['redis:destroy', 'cache'])).stderr).toContain('paas redis:destroy cache --force');
    for (const service of ['cache', 'copy']) await daemon.paasOk(['redis:destroy', service, '-f']);
    expect((await run('docker', ['network', 'ls', '-q', '--filter', `name=paas-${instance}-redis-`])).stdout.trim()).toBe('');
    expect((await run('docker', ['volume', 'ls', '-q', '--filter', `name=paas-redis-${instance}-`])).stdout.trim()).toBe('');
    expect(await daemon.paasOk(['redis:list', '--format', 'json'])).toBe('[]\n');
  }, 120_000);
});
