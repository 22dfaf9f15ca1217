import { connect, createServer, type AddressInfo } from 'node:net';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startDaemon, type DaemonHandle } from './harness.js';

// clone, expose, unexpose, pause, promote, set and upgrade of the service kit, on postgres and redis.
// paas/postgres:15 and paas/redis:7 are made by global-setup (no registry needed).
let daemon: DaemonHandle;
let instance: string;
/** Tags this suite adds to the postgres image for upgrade; removed by name (never the image itself). */
const tags: string[] = [];

beforeAll(async () => {
  daemon = await startDaemon();
  instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
}, 120_000);

afterAll(async () => {
  for (const tag of tags) await run('docker', ['rmi', tag]);
  // Containers, volumes, networks and the test's nginx, by instance label.
  await daemon?.destroy();
}, 120_000);

const must = async (result: Promise<{ code: number; stderr: string }>) => {
  const { code, stderr } = await result;
  expect(code, stderr).toBe(0);
};
const paasFails = async (args: string[]): Promise<string> => {
  const result = await daemon.paas(args);
  expect(result.code, result.stdout).not.toBe(0);
  return result.stderr;
};
const sql = async (service: string, query: string) =>
  (
    await daemon.paasOk(['postgres:connect', service], {
      input: `\\set QUIET on\n\\pset tuples_only on\n\\pset format unaligned\n${query}\n`,
    })
  ).trim();
const redis = async (service: string, command: string) =>
  (await daemon.paasOk(['redis:connect', service], { input: `${command}\n` })).trim();
const info = async (plugin: string, service: string, field: string) =>
  (await daemon.paasOk([`${plugin}:info`, service, `--${field}`])).trim();

/** What a client on the host gets from host:port after sending `send`: the first bytes, or the error code. */
function talk(port: number, send: Buffer | string, until: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    const done = (answer: string) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(10_000, () => done(`timeout after ${JSON.stringify(got)}`));
    socket.on('connect', () => socket.write(send));
    socket.on('data', (chunk) => {
      got += chunk.toString('latin1');
      if (until.test(got)) done(got);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.on('close', () => done(got || 'closed'));
  });
}

describe('redis: clone and expose', () => {
  let password: string;

  it('redis:clone makes a new service holding the keys of the old one, with its own password', async () => {
    await daemon.paasOk(['redis:create', 'cache'], { timeoutMs: 600_000 });
    await redis('cache', 'SET greeting hello');
    await redis('cache', 'RPUSH queue a b c');
    const output = await daemon.paasOk(['redis:clone', 'cache', 'cache-copy'], { timeoutMs: 300_000 });
    expect(output).toContain('Redis service cache-copy created with the data of cache');
    expect(await redis('cache-copy', 'GET greeting')).toBe('hello');
    expect(await redis('cache-copy', 'LRANGE queue 0 -1')).toBe('a\nb\nc');
    expect(await info('redis', 'cache-copy', 'dsn')).not.toBe(await info('redis', 'cache', 'dsn'));
    // The source is untouched and keeps its own data.
    await redis('cache-copy', 'SET greeting changed');
    expect(await redis('cache', 'GET greeting')).toBe('hello');
  }, 600_000);

  it('clone refuses a taken name, an unknown source and a bad name, and leaves nothing behind', async () => {
    expect(await paasFails(['redis:clone', 'cache', 'cache-copy'])).toMatch(/^error: redis service "cache-copy" already exists/);
    expect(await paasFails(['redis:clone', 'nope', 'other'])).toMatch(/^error: redis service "nope" does not exist/);
    expect(await paasFails(['redis:clone', 'cache', 'Bad Name'])).toMatch(/^error: invalid service name/);
    expect((await daemon.paasOk(['redis:list'])).match(/^cache\S*/gm)).toEqual(['cache', 'cache-copy']);
    expect(
      (await run('docker', ['volume', 'ls', '-q', '--filter', `label=paas.instance=${instance}`])).stdout.split('\n').filter(Boolean),
    ).toHaveLength(2);
  }, 120_000);

  it('bad expose arguments and the ports of paas and nginx are refused, with nothing changed', async () => {
    expect(await paasFails(['redis:expose', 'cache', '0'])).toMatch(/^error: invalid port "0"/);
    expect(await paasFails(['redis:expose', 'cache', '1', '2'])).toMatch(/^error: redis:expose: too many arguments/);
    expect(await paasFails(['redis:expose', 'cache', String(daemon.apiPort)])).toContain(
      `host port ${daemon.apiPort} is used by the paas API`,
    );
    expect(await paasFails(['redis:expose', 'cache', String(daemon.httpPort)])).toContain(
      `host port ${daemon.httpPort} is used by PAAS_HTTP_PORT`,
    );
    expect(await paasFails(['redis:unexpose', 'cache'])).toBe('error: redis service cache is not exposed\n');
    expect(await info('redis', 'cache', 'exposed-ports')).toBe('-');
  }, 120_000);

  it('redis:expose publishes the port on every interface with a warning; the server answers there, also after restarts', async () => {
    password = decodeURIComponent(/^redis:\/\/:([^@]+)@/.exec(await info('redis', 'cache', 'dsn'))![1]!);
    const result = await daemon.paas(['redis:expose', 'cache']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^warning: redis service cache now answers on every network interface of this server/);
    const exposed = await info('redis', 'cache', 'exposed-ports');
    expect(exposed).toMatch(/^0\.0\.0\.0:\d+->6379$/);
    const port = Number(/:(\d+)->/.exec(exposed)![1]);
    const ping = () => talk(port, `AUTH ${password}\r\nGET greeting\r\n`, /\$5\r\nhello\r\n/);
    expect(await ping()).toBe('+OK\r\n$5\r\nhello\r\n');
    expect(await talk(port, 'GET greeting\r\n', /\r\n/)).toMatch(/^-NOAUTH/);
    await daemon.paasOk(['redis:restart', 'cache']);
    expect(await ping()).toBe('+OK\r\n$5\r\nhello\r\n');
    await daemon.paasOk(['redis:stop', 'cache']);
    await daemon.paasOk(['redis:start', 'cache']);
    expect(await ping()).toBe('+OK\r\n$5\r\nhello\r\n');
    // Made again by the daemon after the container is gone: still exposed.
    await daemon.stop();
    await run('docker', ['rm', '-f', `paas-${instance}-redis-cache`]);
    await daemon.start();
    let answer = '';
    for (let i = 0; i < 120 && answer !== '+OK\r\n$5\r\nhello\r\n'; i++) {
      answer = await ping();
      if (answer !== '+OK\r\n$5\r\nhello\r\n') await new Promise((r) => setTimeout(r, 500));
    }
    expect(answer).toBe('+OK\r\n$5\r\nhello\r\n');
    expect(await paasFails(['redis:expose', 'cache'])).toContain('redis service cache is already exposed on 0.0.0.0:');
    // Another service cannot take the same port.
    expect(await paasFails(['redis:expose', 'cache-copy', String(port)])).toContain(
      `host port ${port} is used by container paas-${instance}-redis-cache`,
    );

    expect(await daemon.paasOk(['redis:unexpose', 'cache'])).toContain('is reachable from its linked apps only');
    expect(await info('redis', 'cache', 'exposed-ports')).toBe('-');
    expect(await talk(port, 'PING\r\n', /\r\n/)).toBe('ECONNREFUSED');
    expect(await redis('cache', 'GET greeting')).toBe('hello');
  }, 300_000);

  it('expose on 127.0.0.1 with a chosen port answers there without the warning', async () => {
    const result = await daemon.paas(['redis:expose', 'cache-copy', '127.0.0.1:0']);
    expect(result.stderr).toMatch(/^error: invalid port "127.0.0.1:0"/);
    const free = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const exposed = await daemon.paas(['redis:expose', 'cache-copy', `127.0.0.1:${free}`]);
    expect(exposed.code, exposed.stderr).toBe(0);
    expect(exposed.stderr).toBe('');
    expect(await info('redis', 'cache-copy', 'exposed-ports')).toBe(`127.0.0.1:${free}->6379`);
    expect(await talk(free, 'PING\r\n', /\r\n/)).toMatch(/^-NOAUTH/);

    // An app's port mappings cannot take the exposed service's host port; nothing changes.
    await daemon.paasOk(['apps:create', 'porty']);
    const taken = `port ${free} is taken by redis service cache-copy (redis:expose); pick another host port for porty`;
    expect(await paasFails(['ports:set', 'porty', `http:${free}:5000`])).toBe(`error: ${taken}\n`);
    expect(await paasFails(['ports:add', 'porty', `http:${free}:5000`])).toBe(`error: ${taken}\n`);
    expect(await daemon.paasOk(['ports:list', 'porty'])).toContain('(default)');
    expect(await talk(free, 'PING\r\n', /\r\n/)).toMatch(/^-NOAUTH/);
  }, 120_000);
});

describe('postgres: clone, promote, pause, set and upgrade', () => {
  const items = (service: string) => sql(service, 'select name from items order by id;');

  it('postgres:clone copies the rows into a new database', async () => {
    await daemon.paasOk(['postgres:create', 'db'], { timeoutMs: 900_000 });
    await sql('db', "create table items (id serial primary key, name text); insert into items (name) values ('one'), ('two');");
    const output = await daemon.paasOk(['postgres:clone', 'db', 'db-2'], { timeoutMs: 300_000 });
    expect(output).toContain('Postgres service db-2 created with the data of db');
    expect(await items('db-2')).toBe('one\ntwo');
    expect(await info('postgres', 'db-2', 'database')).toBe('db_2');
  }, 900_000);

  it("promote makes the second linked database the app's DATABASE_URL and moves the first to its own key", async () => {
    await daemon.paasOk(['apps:create', 'shop']);
    await daemon.paasOk(['postgres:link', 'db', 'shop', '--no-restart']);
    expect(await daemon.paasOk(['postgres:link', 'db-2', 'shop', '--no-restart'])).toContain('as PAAS_POSTGRES_DB_2_URL');
    const [first, second] = [await info('postgres', 'db', 'dsn'), await info('postgres', 'db-2', 'dsn')];
    expect(await paasFails(['postgres:promote', 'db', 'shop'])).toBe("error: db is already shop's DATABASE_URL\n");
    expect(await paasFails(['postgres:promote', 'db-2', 'nope'])).toMatch(/^error: .*nope/);
    const output = await daemon.paasOk(['postgres:promote', 'db-2', 'shop', '--no-restart']);
    expect(output).toContain('Promoting postgres service db-2 to DATABASE_URL of shop (was PAAS_POSTGRES_DB_2_URL)');
    expect((await daemon.paasOk(['config:get', 'shop', 'DATABASE_URL'])).trim()).toBe(second);
    expect((await daemon.paasOk(['config:get', 'shop', 'PAAS_POSTGRES_DB_URL'])).trim()).toBe(first);
    expect((await daemon.paas(['config:get', 'shop', 'PAAS_POSTGRES_DB_2_URL'])).code).not.toBe(0);
    expect(
      JSON.parse(await daemon.paasOk(['postgres:app-links', 'shop', '--format', 'json'])).map((l: { service: string; env: string }) => [
        l.service,
        l.env,
      ]),
    ).toEqual([
      ['db', 'PAAS_POSTGRES_DB_URL'],
      ['db-2', 'DATABASE_URL'],
    ]);
    // Unlinking the promoted one removes DATABASE_URL and leaves the other link alone.
    await daemon.paasOk(['postgres:unlink', 'db-2', 'shop', '--no-restart']);
    expect((await daemon.paas(['config:get', 'shop', 'DATABASE_URL'])).code).not.toBe(0);
    expect((await daemon.paasOk(['config:get', 'shop', 'PAAS_POSTGRES_DB_URL'])).trim()).toBe(first);
  }, 300_000);

  it('pause stops the container but keeps it; start resumes it with its data', async () => {
    const id = await info('postgres', 'db-2', 'id');
    expect(await daemon.paasOk(['postgres:pause', 'db-2'])).toContain('Paused; resume it with: paas postgres:start db-2');
    expect(await info('postgres', 'db-2', 'status')).toBe('stopped');
    expect(await info('postgres', 'db-2', 'id')).toBe(id);
    await daemon.paasOk(['postgres:start', 'db-2']);
    expect(await items('db-2')).toBe('one\ntwo');
  }, 120_000);

  it("set puts the container on a network:create'd network; unknown keys and networks are refused", async () => {
    await daemon.paasOk(['network:create', 'backend']);
    expect(await paasFails(['postgres:set', 'db', 'initial-network', 'backend'])).toMatch(
      /^error: postgres:set initial-network is not supported: .*supported keys: post-create-network, post-start-network\n$/,
    );
    expect(await paasFails(['postgres:set', 'db', 'shm-size', '1g'])).toMatch(
      /^error: unknown postgres:set key "shm-size"; supported keys:/,
    );
    expect(await paasFails(['postgres:set', 'db', 'post-create-network', 'missing'])).toContain('network missing does not exist');
    expect(await info('postgres', 'db', 'post-create-network')).toBe('');
    await daemon.paasOk(['postgres:set', 'db', 'post-create-network', 'backend']);
    expect(await info('postgres', 'db', 'post-create-network')).toBe('backend');
    const networks = async () =>
      Object.keys(JSON.parse((await run('docker', ['inspect', `paas-${instance}-postgres-db`])).stdout)[0].NetworkSettings.Networks).sort();
    expect(await networks()).toEqual([`paas-${instance}-network-backend`, `paas-${instance}-postgres-db`]);
    // The network a service is set to join cannot be destroyed.
    expect(await paasFails(['network:destroy', 'backend', '--force'])).toBe(
      'error: network backend is used by postgres service db (postgres:set db post-create-network); clear that setting first\n',
    );
    expect((await daemon.paasOk(['network:list'])).split('\n')).toContain('backend');
    await daemon.paasOk(['postgres:set', 'db', 'post-create-network']);
    expect(await networks()).toEqual([`paas-${instance}-postgres-db`]);
    expect(await info('postgres', 'db', 'post-create-network')).toBe('');
  }, 120_000);

  it('a set network removed outside paas: start says what to do; after clearing the setting it starts', async () => {
    await daemon.paasOk(['postgres:set', 'db', 'post-create-network', 'backend']);
    await daemon.paasOk(['postgres:stop', 'db']);
    await must(run('docker', ['network', 'rm', `paas-${instance}-network-backend`]));
    expect(await paasFails(['postgres:start', 'db'])).toContain(
      'network backend, which postgres service db is set to join, no longer exists: clear it with ' +
        'paas postgres:set db post-create-network, or make it again with paas network:create backend',
    );
    expect(await info('postgres', 'db', 'status')).toBe('stopped');
    await daemon.paasOk(['postgres:set', 'db', 'post-create-network']);
    await daemon.paasOk(['postgres:start', 'db']);
    expect(await info('postgres', 'db', 'status')).toBe('running');
    expect(await sql('db', 'select count(*) from items;')).toMatch(/^\d+$/);
  }, 180_000);

  it('upgrade runs the service on another local image of the same major version and keeps the rows', async () => {
    const current = await info('postgres', 'db', 'version');
    const repository = `paaskit${instance}/postgres`;
    for (const tag of ['15.99', '16']) {
      await run('docker', ['tag', current, `${repository}:${tag}`]);
      tags.push(`${repository}:${tag}`);
    }
    expect(await paasFails(['postgres:upgrade', 'db', '--image', repository, '--image-version', '15.98'])).toMatch(
      /^error: image .*:15\.98 is not on this server; upgrade pulls nothing/,
    );
    expect(await paasFails(['postgres:upgrade', 'db', '--image', repository, '--image-version', '16'])).toMatch(
      /^error: postgres 16 cannot read the data of postgres 15/,
    );
    expect(await paasFails(['postgres:upgrade', 'db', '--image-version', 'bad tag'])).toMatch(/^error: invalid --image-version/);
    expect(await info('postgres', 'db', 'version')).toBe(current);
    const output = await daemon.paasOk(['postgres:upgrade', 'db', '--image', repository, '--image-version', '15.99']);
    expect(output).toContain(`=====> db runs ${repository}:15.99`);
    expect(await info('postgres', 'db', 'version')).toBe(`${repository}:15.99`);
    expect(JSON.parse((await run('docker', ['inspect', `paas-${instance}-postgres-db`])).stdout)[0].Config.Image).toBe(
      `${repository}:15.99`,
    );
    expect(await items('db')).toBe('one\ntwo');
    // The link's URL still works: same host name, same password.
    expect((await daemon.paasOk(['config:get', 'shop', 'PAAS_POSTGRES_DB_URL'])).trim()).toBe(await info('postgres', 'db', 'dsn'));
  }, 300_000);
});

describe('backups encrypted to a GPG public key', () => {
  // The test's own keyring: the private key stays here; the daemon gets the public key only.
  const gnupg = mkdtempSync(join(tmpdir(), 'paas-kit-gpg-'));
  chmodSync(gnupg, 0o700);
  const gpg = (...args: string[]) =>
    run('gpg', ['--batch', '--homedir', gnupg, '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
  const report = async () => (await daemon.paasOk(['postgres:backup-report', 'db', '--format', 'json'])).trim();
  afterAll(async () => {
    await run('gpgconf', ['--homedir', gnupg, '--kill', 'gpg-agent']);
    rmSync(gnupg, { recursive: true, force: true });
  });

  it('refuses input that is not a public key, and a private key, with nothing stored', async () => {
    const made = await gpg('--quick-gen-key', 'Backups <backups@example.com>', 'default', 'default', 'never');
    expect(made.code, made.stderr).toBe(0);
    expect(await paasFails(['postgres:backup-set-public-key-encryption', 'db'])).toMatch(/^error: give the public key on standard input/);
    const garbage = await daemon.paas(['postgres:backup-set-public-key-encryption', 'db'], { input: 'not a key\n' });
    expect(garbage.stderr).toMatch(/^error: standard input is not a GPG public key/);
    const secret = await gpg('--armor', '--export-secret-keys', 'backups@example.com');
    expect(secret.stdout).toContain('PRIVATE KEY BLOCK');
    const refused = await daemon.paas(['postgres:backup-set-public-key-encryption', 'db'], { input: secret.stdout });
    expect(refused.stderr).toMatch(/^error: that is a private key; give the public key only/);
    const wrongId = await daemon.paas(['postgres:backup-set-public-key-encryption', 'db', '0xDEADBEEF'], {
      input: (await gpg('--armor', '--export', 'backups@example.com')).stdout,
    });
    expect(wrongId.stderr).toMatch(/^error: no key with id 0xDEADBEEF on standard input/);
    expect(JSON.parse(await report())['Backup encryption']).toBe('none');
  }, 120_000);

  it('a backup is encrypted to the key and opens with the private key only', async () => {
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec((await gpg('--with-colons', '--list-keys', 'backups@example.com')).stdout)![1]!;
    const publicKey = (await gpg('--armor', '--export', 'backups@example.com')).stdout;
    const set = await daemon.paasOk(['postgres:backup-set-public-key-encryption', 'db', fingerprint.slice(-16)], { input: publicKey });
    expect(set).toContain(`will be encrypted to ${fingerprint} (Backups <backups@example.com>)`);
    expect(JSON.parse(await report())['Backup encryption']).toBe(`gpg public key ${fingerprint}`);
    const settings = join(daemon.home, 'backup-settings/postgres/db.json');
    expect(statSync(settings).mode & 0o777).toBe(0o600);
    expect(readFileSync(settings, 'utf8')).not.toContain('PRIVATE');

    const folder = join(daemon.home, 'backups/kit');
    const backup = await daemon.paasOk(['postgres:backup', 'db', `file://${folder}`]);
    expect(backup).toContain(`Encrypting it to the public key ${fingerprint}`);
    const [name] = readdirSync(folder);
    expect(name).toMatch(/^postgres-db-[\d-]+\.dump\.gpg$/);
    const file = join(folder, name!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).not.toBe('PGDMP');
    const opened = await run('gpg', ['--batch', '--homedir', gnupg, '--decrypt', file]);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout.slice(0, 5)).toBe('PGDMP');
    expect(opened.stdout).toContain('items');

    // The server cannot open it: import says how to restore it instead, and changes nothing.
    const restore = await daemon.paas(['postgres:import', 'db', '--from', `file://${file}`]);
    expect(restore.stderr).toMatch(
      /^error: .* is encrypted, and db's backups go to a public key whose private key the server does not have/,
    );
    expect(await sql('db', 'select name from items order by id;')).toBe('one\ntwo');

    expect(await daemon.paasOk(['postgres:backup-unset-public-key-encryption', 'db'])).toContain('will not be encrypted to a public key');
    expect(JSON.parse(await report())['Backup encryption']).toBe('none');
  }, 300_000);
});
