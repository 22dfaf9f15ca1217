import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStackImages } from '../../src/build/buildpacks/stack.js';
import { TEST_LOCK_DIR } from '../fixtures/images.js';
import {
  appWorkTree,
  httpGet,
  paasBytes as paasBinary,
  waitUntil,
  removeDockerObjects,
  run,
  startDaemon,
  type DaemonHandle,
} from './harness.js';

let daemon: DaemonHandle;
let instance: string;
let remote: string;

beforeAll(async () => {
  // The sample app builds FROM the stack's run image (python3 and psql); made once per server.
  await ensureStackImages(new Docker(), () => undefined, TEST_LOCK_DIR);
  daemon = await startDaemon();
  instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/pgapp.git`;
}, 900_000);

afterAll(async () => {
  if (!daemon) return;
  await daemon.stop();
  await removeDockerObjects(daemon.home);
  const volumes = (await run('docker', ['volume', 'ls', '-q', '--filter', `label=paas.instance=${instance}`])).stdout
    .split('\n')
    .filter(Boolean);
  if (volumes.length) await run('docker', ['volume', 'rm', '-f', ...volumes]);
  // The managed nginx outlives its daemon by design; this test's one goes with the test.
  try {
    process.kill(Number(readFileSync(join(daemon.home, 'nginx/nginx.pid'), 'utf8').trim()), 'SIGQUIT');
  } catch {
    // no nginx was started
  }
  await daemon.destroy();
}, 120_000);

const paasBytes = (args: readonly string[], input?: Buffer) => paasBinary(daemon, args, input);

const sql = async (service: string, query: string) => (await daemon.paasOk(['postgres:connect', service], { input: `${query}\n` })).trim();
const rows = (service: string) =>
  sql(service, '\\set QUIET on\n\\pset tuples_only on\n\\pset format unaligned\nselect name from items order by id;');
const appUrl = async () => (await daemon.paasOk(['urls', 'pgapp'])).trim().split('\n')[0]!;
const containerId = async (service: string) => (await daemon.paasOk(['postgres:info', service, '--id'])).trim();

describe('hostile input', () => {
  it('refuses bad service names before touching Docker', async () => {
    for (const name of ["'; drop", 'a b', 'x'.repeat(70), 'Db', '../db']) {
      const result = await daemon.paas(['postgres:create', name]);
      expect(result.code, name).not.toBe(0);
      expect(result.stderr, name).toMatch(/^error: invalid service name .*lowercase letters, digits and dashes/);
      expect(result.stderr.trim().split('\n'), name).toHaveLength(1);
    }
    expect((await daemon.paas(['postgres:connect', "'; drop"])).stderr).toMatch(/invalid service name/);
    expect((await daemon.paas(['postgres:info', 'nope'])).stderr).toContain(
      'postgres service "nope" does not exist; create it with: paas postgres:create nope',
    );
  });

  it('refuses bad passwords, memory and images without echoing the password', async () => {
    for (const password of ['two words', "it's-secret", 'say"hi"there', 'back\\slash1', 'short', 'x'.repeat(200)]) {
      const result = await daemon.paas(['postgres:create', 'hostile', '--password', password]);
      expect(result.code, password).not.toBe(0);
      expect(result.stderr, password).toMatch(/^error: invalid --password: use 8 to 128 printable ASCII/);
      expect(result.stderr).not.toContain(password);
    }
    expect((await daemon.paas(['postgres:create', 'hostile', '--memory', '1g'])).stderr).toMatch(/invalid --memory/);
    expect((await daemon.paas(['postgres:create', 'hostile', '--image', 'x;rm -rf /'])).stderr).toMatch(/invalid --image/);
    expect(await daemon.paasOk(['postgres:list', '--format', 'json'])).toBe('[]\n');
  });
});

describe('a database linked to an app', () => {
  it('postgres:create runs a service that accepts connections (building the image offline if needed)', async () => {
    const started = Date.now();
    const output = await daemon.paasOk(['postgres:create', 'db'], { timeoutMs: 880_000 });
    console.log(`postgres:create took ${Math.round((Date.now() - started) / 1000)} s`);
    expect(output).toContain('=====> Postgres service db created');
    expect(output).toMatch(/DSN: postgres:\/\/postgres:[0-9a-f]{32}@paas-postgres-db:5432\/db/);
    expect((await daemon.paasOk(['postgres:info', 'db', '--status'])).trim()).toBe('running');
    const inspect = JSON.parse((await run('docker', ['inspect', await containerId('db')])).stdout)[0];
    expect(inspect.Config.Labels).toMatchObject({ 'paas.instance': instance, 'paas.role': 'service', 'paas.service': 'db' });
    expect(inspect.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(Object.keys(inspect.NetworkSettings.Networks)).toEqual([`paas-${instance}-postgres-db`]);
    expect(inspect.NetworkSettings.Networks[`paas-${instance}-postgres-db`].Aliases).toContain('paas-postgres-db');
    expect(inspect.Mounts[0]).toMatchObject({ Type: 'volume', Name: `paas-postgres-${instance}-db` });
    expect((await daemon.paas(['postgres:create', 'db'])).stderr).toContain('postgres service "db" already exists');
  }, 900_000);

  it('link sets DATABASE_URL; the postdeploy migration makes a table the app serves', async () => {
    await daemon.paasOk(['apps:create', 'pgapp']);
    const link = await daemon.paasOk(['postgres:link', 'db', 'pgapp']);
    expect(link).toContain('Linking postgres service db to pgapp as DATABASE_URL');
    expect((await daemon.paasOk(['config:get', 'pgapp', 'DATABASE_URL'])).trim()).toBe(
      (await daemon.paasOk(['postgres:info', 'db', '--dsn'])).trim(),
    );
    const tree = await appWorkTree('pgapp');
    const push = await tree.git('push', remote, 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('Running postdeploy');
    expect(push.stderr).toContain('CREATE TABLE');
    expect(await httpGet(await appUrl())).toEqual({ status: 200, body: 'items: first row\n' });
    expect(await rows('db')).toBe('first row');
    expect(await daemon.paasOk(['postgres:links', 'db'])).toBe('pgapp\n');
    expect(await daemon.paasOk(['report', 'pgapp'])).toMatch(/Postgres links: +db \(DATABASE_URL\)/);
  }, 300_000);

  it('a buildpack build of a linked app reaches the database, as on Dokku (whose links apply to builds)', async () => {
    await daemon.paasOk(['apps:create', 'pgbuild']);
    await daemon.paasOk(['postgres:link', 'db', 'pgbuild', '--no-restart']);
    const tree = await appWorkTree('buildpack-node');
    const pkg = JSON.parse(readFileSync(join(tree.dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    pkg.scripts.build = 'node check-db.js';
    writeFileSync(join(tree.dir, 'package.json'), JSON.stringify(pkg, null, 2));
    // The buildpack gets the config in ENV_DIR (/tmp/env), one file per variable, as on Heroku.
    writeFileSync(
      join(tree.dir, 'check-db.js'),
      "const url = new URL(require('fs').readFileSync('/tmp/env/DATABASE_URL', 'utf8'));\n" +
        "require('net').connect(Number(url.port), url.hostname, function () { console.log('build reached ' + url.hostname); this.end(); })\n" +
        "  .on('error', (e) => { console.log('build could not reach the database: ' + e.message); process.exit(1); });\n",
    );
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'build talks to the database');
    const push = await tree.git('push', remote.replace('/pgapp.git', '/pgbuild.git'), 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('build reached paas-postgres-db');
    await daemon.paasOk(['postgres:unlink', 'db', 'pgbuild', '--no-restart']);
  }, 600_000);

  it('a second link gets its own variable, and the restart is a new release the app sees', async () => {
    const created = await daemon.paas(['postgres:create', 'db2', '--password', 'p@ss:w/rd$(touch${IFS}/tmp/pwned)%#?'], {
      timeoutMs: 300_000,
    });
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const link = await daemon.paasOk(['postgres:link', 'db2', 'pgapp']);
    expect(link).toContain('as PAAS_POSTGRES_DB2_URL');
    expect(link).toContain('DATABASE_URL is already set');
    expect(link).toMatch(/Releasing pgapp v\d+: Set PAAS_POSTGRES_DB2_URL/);
    expect((await daemon.paas(['postgres:link', 'db2', 'pgapp'])).stderr).toContain(
      'db2 is already linked to pgapp as PAAS_POSTGRES_DB2_URL',
    );
    // The hostile-looking password works through the URL and ran nowhere as a command.
    const check = await daemon.paasOk(['run', 'pgapp', 'psql "$PAAS_POSTGRES_DB2_URL" -tAc "select 42"']);
    expect(check.trim()).toBe('42');
    expect((await daemon.paas(['postgres:enter', 'db2', 'ls', '/tmp/pwned'])).code).not.toBe(0);
    expect(await daemon.paasOk(['postgres:app-links', 'pgapp'])).toBe('db\ndb2\n');
  }, 300_000);

  it('destroy is refused while linked (saying which app) and without --force', async () => {
    const linked = await daemon.paas(['postgres:destroy', 'db', '--force']);
    expect(linked.code).not.toBe(0);
    expect(linked.stderr).toBe('error: postgres service db is linked to pgapp; unlink first: paas postgres:unlink db pgapp\n');
    const unlink = await daemon.paasOk(['postgres:unlink', 'db2', 'pgapp']);
    expect(unlink).toMatch(/Releasing pgapp v\d+: Unset PAAS_POSTGRES_DB2_URL/);
    expect(await daemon.paasOk(['config:keys', 'pgapp'])).not.toContain('PAAS_POSTGRES_DB2_URL');
    const unforced = await daemon.paas(['postgres:destroy', 'db2']);
    expect(unforced.stderr).toContain('to go ahead run: paas postgres:destroy db2 --force');
    expect((await daemon.paasOk(['postgres:info', 'db2', '--status'])).trim()).toBe('running');
  });
});

describe('the data survives', () => {
  it('docker restart of the postgres container keeps every row', async () => {
    await sql('db', "insert into items (name) values ('second row');");
    await run('docker', ['restart', await containerId('db')]);
    await waitUntil(
      'the app reading the table again',
      async () => (await httpGet(await appUrl())).body === 'items: first row, second row\n',
    );
    expect(await rows('db')).toBe('first row\nsecond row');
  }, 120_000);

  it('restarting the daemon keeps the container (not made again) and its rows', async () => {
    const before = await containerId('db');
    await daemon.stop();
    await daemon.start();
    expect(await containerId('db')).toBe(before);
    expect(await rows('db')).toBe('first row\nsecond row');
  }, 120_000);

  it('a removed container is made again on its volume when the daemon starts', async () => {
    await daemon.stop();
    await run('docker', ['rm', '-f', `paas-${instance}-postgres-db2`]);
    await sql('db', 'select 1').catch(() => undefined);
    await daemon.start();
    await waitUntil('db2 running again', async () => (await daemon.paasOk(['postgres:info', 'db2', '--status'])).trim() === 'running');
    await waitUntil(
      'db2 accepting connections',
      async () => (await daemon.paas(['postgres:connect', 'db2'], { input: 'select 1;\n' })).code === 0,
    );
  }, 120_000);

  it('postgres:stop stays stopped; postgres:start brings it back', async () => {
    await daemon.paasOk(['postgres:stop', 'db2']);
    expect((await daemon.paasOk(['postgres:info', 'db2', '--status'])).trim()).toBe('stopped');
    expect((await daemon.paas(['postgres:connect', 'db2'])).stderr).toContain('start it with: paas postgres:start db2');
    await daemon.stop();
    await daemon.start();
    expect((await daemon.paasOk(['postgres:info', 'db2', '--status'])).trim()).toBe('stopped');
    expect(await daemon.paasOk(['postgres:start', 'db2'])).toContain('db2 accepts connections');
  }, 120_000);
});

describe('export and import', () => {
  it('output is binary-safe end to end', async () => {
    const viaPaas = await paasBytes(['postgres:enter', 'db', 'cat', '/bin/sh']);
    expect(viaPaas.code).toBe(0);
    const direct = spawn('docker', ['exec', await containerId('db'), 'cat', '/bin/sh']);
    const chunks: Buffer[] = [];
    direct.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => direct.on('close', resolve));
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(viaPaas.stdout.length).toBeGreaterThan(10_000);
    expect(sha(viaPaas.stdout)).toBe(sha(Buffer.concat(chunks)));
  });

  it('export, import into a fresh service: same rows', async () => {
    const dump = await paasBytes(['postgres:export', 'db']);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout.subarray(0, 5).toString()).toBe('PGDMP');
    await daemon.paasOk(['postgres:create', 'db-copy'], { timeoutMs: 300_000 });
    const imported = await paasBytes(['postgres:import', 'db-copy'], dump.stdout);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await rows('db-copy')).toBe('first row\nsecond row');
    // Importing again replaces the tables instead of duplicating rows.
    expect((await paasBytes(['postgres:import', 'db-copy'], dump.stdout)).code).toBe(0);
    expect(await rows('db-copy')).toBe('first row\nsecond row');
  }, 300_000);

  it('a broken dump fails with pg_restore saying why', async () => {
    const result = await paasBytes(['postgres:import', 'db-copy'], Buffer.from('not a dump'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/pg_restore/);
  });
});

describe('apps come and go', () => {
  it('apps:rename keeps the link', async () => {
    await daemon.paasOk(['apps:create', 'other']);
    await daemon.paasOk(['postgres:link', 'db-copy', 'other', '--alias', 'reports', '--no-restart']);
    expect((await daemon.paasOk(['config:keys', 'other'])).trim()).toBe('REPORTS_URL');
    await daemon.paasOk(['apps:rename', 'other', 'renamed']);
    expect(await daemon.paasOk(['postgres:links', 'db-copy'])).toBe('renamed\n');
  });

  it('apps:destroy unlinks the app and keeps the database', async () => {
    await daemon.paasOk(['apps:destroy', 'renamed', '--force']);
    expect(await daemon.paasOk(['postgres:links', 'db-copy'])).toBe('');
    expect(await rows('db-copy')).toBe('first row\nsecond row');
    const volume = `paas-postgres-${instance}-db-copy`;
    expect((await run('docker', ['volume', 'inspect', volume])).code).toBe(0);
    const destroyed = await daemon.paasOk(['postgres:destroy', 'db-copy', '--force']);
    expect(destroyed).toContain('Removed');
    expect((await run('docker', ['volume', 'inspect', volume])).code).not.toBe(0);
    expect(await daemon.paasOk(['postgres:list', '--format', 'json'])).not.toContain('db-copy');
  }, 120_000);
});
