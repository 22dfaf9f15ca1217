import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, run, startDaemon, type DaemonHandle } from './harness.js';

// s3rver knows one account; the test adds its own key pair, so the secret is one no log may hold.
const account = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
};

const KEY = 'PAASTESTKEY';
const SECRET = 'backup-secret-5f0c2d9e';
const PASSPHRASE = 'passphrase-7b1e4a93 with spaces';
const BUCKET = 'paas-backups';

let daemon: DaemonHandle;
let s3: S3rver;
let endpoint: string;
let s3Dir: string;
let folder: string;
let token: string;

const remote = (args: string[]) =>
  daemon.paas(args, { env: { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token } });
const sql = async (service: string, query: string) => (await daemon.paasOk(['postgres:connect', service], { input: `${query}\n` })).trim();
const value = (service: string, query: string) => sql(service, `\\set QUIET on\n\\pset tuples_only on\n\\pset format unaligned\n${query}`);
const rows = (service: string) => value(service, 'select name from items order by id;');
const create = (service: string) => daemon.paasOk(['postgres:create', service], { timeoutMs: 600_000 });
const savedAt = (output: string) => /Backup saved: (\S+)/.exec(output)?.[1] ?? '';
const until = async (what: string, check: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};

beforeAll(async () => {
  account.DUMMY_ACCOUNT.createKeyPair(KEY, SECRET);
  s3Dir = mkdtempSync(join(tmpdir(), 'paas-s3-'));
  folder = mkdtempSync(join(tmpdir(), 'paas-backup-folder-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
  daemon = await startDaemon();
  token = (await daemon.paasOk(['tokens:create', 'backups-remote'])).trim();
  await create('src');
  await sql(
    'src',
    "create table items (id serial primary key, name text); insert into items (name) values ('first'), ('second'), ('third');",
  );
}, 900_000);

afterAll(async () => {
  await daemon?.destroy();
  await s3?.close();
  rmSync(s3Dir, { recursive: true, force: true });
  rmSync(folder, { recursive: true, force: true });
}, 120_000);

describe('bad input changes nothing', () => {
  it('refuses unknown services, bad buckets, signatures and schedules with one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['postgres:backup', 'nope', BUCKET], /postgres service "nope" does not exist/],
      [['postgres:backup', 'src', 'Bad_Bucket'], /invalid destination "Bad_Bucket"/],
      [['postgres:backup', 'src', 'file://relative'], /write a server folder as file:\/\/\/ABSOLUTE\/PATH/],
      [['postgres:backup-auth', 'src', KEY, SECRET, 'us-east-1', 's3v2'], /signature version "s3v2" is not supported/],
      [['postgres:backup-auth', 'src', KEY, SECRET, 'us-east-1', 's3v4', 'ftp://x'], /invalid endpoint/],
      [['postgres:backup-schedule', 'src', '* * *', BUCKET], /must have five fields/],
      [['postgres:backup-schedule', 'src', '61 * * * *', BUCKET], /is not a cron schedule/],
      [['postgres:backup-set-encryption', 'src', 'short'], /8 to 1024 characters/],
      [['postgres:backup', 'src', BUCKET], /no backup credentials/],
      [['postgres:backup-schedule-cat', 'src'], /no backup is scheduled for postgres service src/],
    ];
    for (const [args, message] of cases) {
      const result = await daemon.paas(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(await daemon.paasOk(['postgres:backup-report', 'src'])).toMatch(
      /Backup auth: +none\n[\s\S]*Backup encryption: +none[\s\S]*Backup last status: +never run/,
    );
  });

  it("remote callers may not name server folders outside paas's own, nor a loopback endpoint", async () => {
    const outside = await remote(['postgres:backup', 'src', `file://${folder}`]);
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toMatch(/is outside .*\/backups: from a remote client/);
    const read = await remote(['postgres:import', 'src', '--from', 'file:///etc/passwd']);
    expect(read.stderr).toMatch(/is outside .*\/backups: from a remote client/);
    const loopback = await remote(['postgres:backup-auth', 'src', KEY, SECRET, 'us-east-1', 's3v4', endpoint]);
    expect(loopback.stderr).toMatch(/private or loopback address/);
    // A name is resolved: this machine's own host name leads to a loopback address (or nowhere).
    const byName = await remote(['postgres:backup-auth', 'src', KEY, SECRET, 'us-east-1', 's3v4', `http://${hostname()}:9`]);
    expect(byName.code).not.toBe(0);
    expect(byName.stderr).toMatch(/^error: endpoint "[^"]+" points at .*a private or loopback address|^error: cannot resolve/);
    expect(readdirSync(folder)).toEqual([]);
    expect(await daemon.paasOk(['postgres:backup-report', 'src'])).toMatch(/Backup auth: +none/);
  });
});

describe('postgres:backup and postgres:import --from', () => {
  it('to the S3-compatible server and back into a new service: same rows', async () => {
    expect(await daemon.paasOk(['postgres:backup-auth', 'src', KEY, SECRET, 'us-east-1', 's3v4', endpoint])).toContain(
      `endpoint ${endpoint}`,
    );
    const output = await daemon.paasOk(['postgres:backup', 'src', `${BUCKET}/nightly`]);
    const location = savedAt(output);
    expect(location).toMatch(new RegExp(`^s3://${BUCKET}/nightly/postgres-src-\\d{4}(-\\d\\d){5}\\.dump$`));
    const key = location.slice(`s3://${BUCKET}/`.length);
    expect(await daemon.paasOk(['postgres:backup-list', 'src', `${BUCKET}/nightly`])).toContain(key);

    await create('dst');
    // The new service restores with its own credentials.
    const noAuth = await daemon.paas(['postgres:import', 'dst', '--from', `${BUCKET}/${key}`]);
    expect(noAuth.stderr).toMatch(/no backup credentials/);
    await daemon.paasOk(['postgres:backup-auth', 'dst', KEY, SECRET, 'us-east-1', 's3v4', endpoint]);
    expect(await daemon.paasOk(['postgres:import', 'dst', '--from', `${BUCKET}/${key}`])).toContain('Imported into dst');
    expect(await rows('dst')).toBe('first\nsecond\nthird');

    const report = await daemon.paasOk(['postgres:backup-report', 'src']);
    expect(report).toMatch(/Backup last status: +succeeded/);
    expect(report).toMatch(new RegExp(`Backup last location: +${location.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    expect(report).not.toContain(SECRET);
  }, 600_000);

  it("to a server folder (0600 file) and back: same rows; a remote caller may use paas's own folder", async () => {
    await sql('src', "insert into items (name) values ('fourth');");
    const location = savedAt(await daemon.paasOk(['postgres:backup', 'src', `file://${folder}/pg`]));
    expect(location).toMatch(new RegExp(`^file://${folder}/pg/postgres-src-.*\\.dump$`));
    const file = location.slice('file://'.length);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
    expect(await daemon.paasOk(['postgres:import', 'dst', '--from', location])).toContain('Imported into dst');
    expect(await rows('dst')).toBe('first\nsecond\nthird\nfourth');

    const own = `file://${daemon.home}/backups/remote`;
    const byToken = await remote(['postgres:backup', 'src', own]);
    expect(byToken.code, byToken.stderr).toBe(0);
    expect(savedAt(byToken.stdout)).toContain(`${daemon.home}/backups/remote/postgres-src-`);
  }, 300_000);

  it('an encrypted backup cannot be read without its passphrase', async () => {
    await daemon.paasOk(['postgres:backup-set-encryption', 'src', PASSPHRASE]);
    expect(await daemon.paasOk(['postgres:backup-report', 'src'])).toMatch(/Backup encryption: +gpg passphrase/);
    const location = savedAt(await daemon.paasOk(['postgres:backup', 'src', `file://${folder}/secret`]));
    expect(location).toMatch(/\.dump\.gpg$/);
    const file = location.slice('file://'.length);
    expect(readFileSync(file).subarray(0, 5).toString()).not.toBe('PGDMP');
    // gpg itself with another passphrase cannot open it.
    const home = mkdtempSync(join(tmpdir(), 'paas-gnupg-'));
    const wrongGpg = await run('gpg', [
      '--batch',
      '--homedir',
      home,
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      'not the one',
      '--decrypt',
      file,
    ]);
    await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    rmSync(home, { recursive: true, force: true });
    expect(wrongGpg.code).not.toBe(0);

    await create('dst2');
    const without = await daemon.paas(['postgres:import', 'dst2', '--from', location]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/is encrypted; give dst2 its passphrase first/);
    await daemon.paasOk(['postgres:backup-set-encryption', 'dst2', 'a wrong passphrase']);
    const wrong = await daemon.paas(['postgres:import', 'dst2', '--from', location]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/cannot decrypt the backup/);
    expect(await value('dst2', "select count(*) from pg_tables where tablename = 'items';")).toBe('0');

    await daemon.paasOk(['postgres:backup-set-encryption', 'dst2', PASSPHRASE]);
    await daemon.paasOk(['postgres:import', 'dst2', '--from', location]);
    expect(await rows('dst2')).toBe('first\nsecond\nthird\nfourth');
    await daemon.paasOk(['postgres:backup-unset-encryption', 'src']);
    expect(await daemon.paasOk(['postgres:backup-report', 'src'])).toMatch(/Backup encryption: +none/);
  }, 600_000);
});

describe('redis backups (the same module through the service kit)', () => {
  const redis = async (service: string, command: string) =>
    (await daemon.paasOk(['redis:connect', service], { input: `${command}\n` })).trim();

  it('redis:backup to the S3-compatible server, encrypted, and redis:import --from into a new service: same keys', async () => {
    await daemon.paasOk(['redis:create', 'rsrc'], { timeoutMs: 600_000 });
    await redis('rsrc', 'SET greeting hello');
    await redis('rsrc', 'RPUSH queue a b c');
    await daemon.paasOk(['redis:backup-auth', 'rsrc', KEY, SECRET, 'us-east-1', 's3v4', endpoint]);
    await daemon.paasOk(['redis:backup-set-encryption', 'rsrc', PASSPHRASE]);
    const location = savedAt(await daemon.paasOk(['redis:backup', 'rsrc', BUCKET]));
    expect(location).toMatch(new RegExp(`^s3://${BUCKET}/redis-rsrc-.*\\.rdb\\.gpg$`));
    expect(await daemon.paasOk(['redis:backup-report', 'rsrc'])).toMatch(/Backup last status: +succeeded/);

    await daemon.paasOk(['redis:create', 'rdst'], { timeoutMs: 600_000 });
    await daemon.paasOk(['redis:backup-auth', 'rdst', KEY, SECRET, 'us-east-1', 's3v4', endpoint]);
    const object = `${BUCKET}/${location.slice(`s3://${BUCKET}/`.length)}`;
    expect((await daemon.paas(['redis:import', 'rdst', '--from', object])).stderr).toMatch(/is encrypted; give rdst its passphrase first/);
    await daemon.paasOk(['redis:backup-set-encryption', 'rdst', PASSPHRASE]);
    expect(await daemon.paasOk(['redis:import', 'rdst', '--from', object])).toContain('Imported into rdst: 2 keys');
    expect(await redis('rdst', 'GET greeting')).toBe('hello');
    expect(await redis('rdst', 'LRANGE queue 0 -1')).toBe('a\nb\nc');
  }, 600_000);
});

describe('scheduled backups', () => {
  it('one that cannot reach its endpoint is reported failed within one period: report, events, daemon log', async () => {
    const closed = await freePort();
    await daemon.paasOk(['postgres:backup-auth', 'src', KEY, SECRET, 'us-east-1', 's3v4', `http://127.0.0.1:${closed}`]);
    const scheduled = await daemon.paasOk(['postgres:backup-schedule', 'src', '*/10 * * * * *', BUCKET]);
    expect(scheduled).toContain('scheduled: */10 * * * * * to paas-backups');
    expect((await daemon.paasOk(['postgres:backup-schedule-cat', 'src'])).trim()).toBe(`*/10 * * * * * paas postgres:backup src ${BUCKET}`);
    const started = Date.now();
    let report = await daemon.paas(['postgres:backup-report', 'src']);
    await until(
      'the scheduled backup to fail',
      async () => {
        report = await daemon.paas(['postgres:backup-report', 'src']);
        return /Backup last trigger: +schedule/.test(report.stdout);
      },
      60_000,
    );
    console.log(`scheduled failure reported after ${Math.round((Date.now() - started) / 1000)} s`);
    expect(report.code).not.toBe(0);
    expect(report.stdout).toMatch(/Backup last status: +failed/);
    expect(report.stdout).toMatch(/Backup last error: +cannot upload to s3:\/\/paas-backups\/postgres-src-.*ECONNREFUSED/);
    expect(report.stderr).toMatch(/^error: the last backup of src failed: /);
    expect(await daemon.paasOk(['events'])).toMatch(/INVOKED: backup-failed\( postgres src \)/);
    expect(readFileSync(join(daemon.home, 'logs', 'paasd.log'), 'utf8')).toMatch(/"service":"src".*"msg":"backup failed"/);

    await daemon.paasOk(['postgres:backup-unschedule', 'src']);
    expect((await daemon.paas(['postgres:backup-report', 'src'])).stdout).toMatch(/Backup schedule: +none/);
  }, 120_000);

  it('a schedule survives a daemon restart', async () => {
    await daemon.paasOk(['postgres:backup-schedule', 'src', '@daily', `file://${folder}/daily`]);
    await daemon.stop();
    await daemon.start();
    const report = await daemon.paas(['postgres:backup-report', 'src']);
    expect(report.stdout).toMatch(/Backup schedule: +@daily to file:\/\//);
    expect(report.stdout).toMatch(/Backup next run: +\d{4}-/);
  }, 120_000);

  it('secrets are stored 0600 and never logged; deauth and destroy remove them', async () => {
    const settings = join(daemon.home, 'backup-settings', 'postgres', 'src.json');
    expect(statSync(settings).mode & 0o777).toBe(0o600);
    expect(readFileSync(settings, 'utf8')).toContain(SECRET);
    const logs = readFileSync(join(daemon.home, 'logs', 'paasd.log'), 'utf8') + daemon.output();
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(PASSPHRASE);
    expect(logs).not.toContain('a wrong passphrase');
    await daemon.paasOk(['postgres:backup-deauth', 'src']);
    expect(readFileSync(settings, 'utf8')).not.toContain(SECRET);
    await daemon.paasOk(['postgres:destroy', 'dst2', '--force']);
    expect(() => statSync(join(daemon.home, 'backup-settings', 'postgres', 'dst2.json'))).toThrow();
  }, 120_000);
});
