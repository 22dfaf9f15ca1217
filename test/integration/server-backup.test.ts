import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, instanceOf, paasBytes, run, startDaemon, viaNginx, type DaemonHandle } from './harness.js';

// Export on one daemon, import on a second one with its own PAAS_HOME (same Docker Engine, other
// instance): the apps serve the same content, config, domains and certificate, the tokens work,
// and --with-data brings the postgres rows and the redis keys along.
let source: DaemonHandle;
let target: DaemonHandle;
const scratch = mkdtempSync(join(tmpdir(), 'paas-server-backup-'));
const archive = join(scratch, 'server.tar');
const PASSPHRASE = 'correct horse battery';
const SECRET = 'value-only-in-the-database-7f3a';

const sql = async (daemon: DaemonHandle, query: string) =>
  (
    await daemon.paasOk(['postgres:connect', 'shop-db'], {
      input: `\\set QUIET on\n\\pset tuples_only on\n\\pset format unaligned\n${query}\n`,
    })
  ).trim();
const redis = async (daemon: DaemonHandle, command: string) =>
  (await daemon.paasOk(['redis:connect', 'shop-cache'], { input: `${command}\n` })).trim();
/** GET through the daemon's nginx over HTTPS (the app has a certificate, so plain HTTP redirects). */
function get(daemon: DaemonHandle, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const options = {
      host: '127.0.0.1',
      port: daemon.httpsPort,
      path,
      servername: 'shop.example.test',
      headers: { Host: 'shop.example.test' },
      rejectUnauthorized: false,
      agent: false,
      timeout: 5000,
    };
    const req = httpsRequest(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

beforeAll(async () => {
  source = await startDaemon();
  const token = (await source.paasOk(['tokens:create', 'pusher'])).trim();
  await source.paasOk(['apps:create', 'shop']);
  await source.paasOk(['domains:add', 'shop', 'shop.example.test']);
  await source.paasOk(['config:set', '--no-restart', 'shop', `GREETING=${SECRET}`]);
  const tree = await appWorkTree('hello');
  writeFileSync(join(tree.dir, 'www', 'index.html'), 'the shop\n');
  await tree.git('commit', '-qam', 'shop');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${source.apiPort}/shop.git`, 'main');
  expect(push.code, push.stderr).toBe(0);
  await source.paasOk(['ps:scale', 'shop', 'web=2']);
  await source.paasOk(['certs:generate', 'shop', 'shop.example.test']);
  await source.paasOk(['postgres:create', 'shop-db']);
  await sql(source, "create table orders (item text); insert into orders values ('teapot'), ('kettle');");
  await source.paasOk(['redis:create', 'shop-cache'], { timeoutMs: 600_000 });
  expect(await redis(source, 'SET basket:7 "two teapots"')).toBe('OK');
}, 900_000);

afterAll(async () => {
  await source?.destroy();
  await target?.destroy();
  rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('server backup and move', () => {
  it('backup:export writes a tar with the state, repos, certificates, data dumps and images, secrets sealed', async () => {
    const exported = await paasBytes(source, ['backup:export', '--with-data', '--with-images', '--passphrase', PASSPHRASE]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('-----> Exported 1 app (shop)');
    writeFileSync(archive, exported.stdout);
    const listing = (await run('tar', ['-tf', archive])).stdout.split('\n');
    expect(listing[0]).toBe('manifest.json');
    expect(listing).toEqual(
      expect.arrayContaining([
        'paas.db.enc',
        'home/repos/shop.git/HEAD',
        'data/postgres/shop-db.dump.enc',
        'data/redis/shop-cache.dump.enc',
        'images.tar',
      ]),
    );
    expect(listing.some((name) => /^home\/nginx\/certs\/shop\/.+\/server\.key\.enc$/.test(name))).toBe(true);
    // Sealed: the config value is nowhere in clear.
    expect(exported.stdout.includes(Buffer.from(SECRET))).toBe(false);
  });

  it('backup:import refuses a bad passphrase and a server with apps, changing nothing', async () => {
    target = await startDaemon();
    const input = exported();
    const missing = await paasBytes(target, ['backup:import'], input);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('this backup is encrypted; give its passphrase with --passphrase');
    const wrong = await paasBytes(target, ['backup:import', '--passphrase', 'not the passphrase'], input);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('wrong passphrase for this backup');
    expect(
      (await target.paasOk(['apps:list']))
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('=')),
    ).toEqual([]);
    const busy = await paasBytes(source, ['backup:import', '--passphrase', PASSPHRASE], input);
    expect(busy.stderr).toMatch(/^error: backup:import restores into a fresh install, and this one has 1 app \(shop\)/m);
  });

  it('backup:import on a fresh PAAS_HOME restores and deploys: same content, config, domains, certificate, tokens, rows and keys', async () => {
    const imported = await paasBytes(target, ['backup:import', '--passphrase', PASSPHRASE], exported());
    const output = `${imported.stdout.toString()}${imported.stderr}`;
    expect(imported.code, output).toBe(0);
    expect(output).toContain('-----> Loading the release images');
    expect(output).toContain('-----> Restoring the data of postgres service shop-db');
    expect(output).toContain('-----> Restoring the data of redis service shop-cache');
    expect(output).toContain('=====> Deploying shop');
    expect(output).toContain('-----> Restored; every app is deployed');

    expect((await viaNginx(target.httpPort, 'shop.example.test')).status).toBe(301);
    expect(await get(target)).toEqual({ status: 200, body: 'the shop\n' });
    expect((await get(target, '/cgi-bin/env')).body).toContain(`GREETING=${SECRET}\n`);
    expect(await target.paasOk(['domains:report', 'shop'])).toContain('shop.example.test');
    expect(await target.paasOk(['certs:show', 'shop', 'crt'])).toBe(await source.paasOk(['certs:show', 'shop', 'crt']));
    expect(await target.paasOk(['tokens:list'])).toContain('pusher');
    const label = `label=paas.instance=${instanceOf(target)}`;
    const web = (await run('docker', ['ps', '-q', '--filter', label, '--filter', 'label=paas.app=shop'])).stdout
      .split('\n')
      .filter(Boolean);
    expect(web).toHaveLength(2);
    expect(await sql(target, 'select item from orders order by item;')).toBe('kettle\nteapot');
    expect(await redis(target, 'GET basket:7')).toBe('two teapots');
    // The source server is untouched and still serves.
    expect(await get(source)).toEqual({ status: 200, body: 'the shop\n' });
  });
});

const exported = () => readFileSync(archive);
