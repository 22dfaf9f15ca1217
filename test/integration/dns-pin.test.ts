import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postFailure } from '../../src/deploy/check-failure.js';
import { type TestDns, startTestDns } from './dns-server.js';
import { type DaemonHandle, freePort, remoteEnv, startDaemon } from './harness.js';

/*
 * DNS pinning, end to end: the daemon asks a DNS server of this test (PAAS_DNS_SERVERS) that can
 * answer one address to the first question and another to the next. The wanted servers listen on
 * 127.0.0.2, a "canary" on 127.0.0.1 at the same port: a client that resolved the name a second
 * time would reach the canary. Real git (curl), Node's https and the S3 client connect with TLS to
 * names a test CA signed, so the certificate is checked against the name, not the pinned address.
 */

const PUBLIC_LOOKING = '93.184.216.34';
const SERVICE = 'pindb';
const BUCKET = 'pinned';

let dns: TestDns;
let daemon: DaemonHandle;
let token: string;
let work: string;
let port: number;
let s3Port: number;
let site: HttpsServer;
let s3: S3rver;
const canaries: Array<{ server: Server; hits: number }> = [];
const siteHits: string[] = [];

const remote = (args: string[]) => daemon.paas(args, { env: remoteEnv(daemon, token) });
const canaryHits = () => canaries.reduce((sum, canary) => sum + canary.hits, 0);

/** A TCP server on 127.0.0.1:PORT that only counts who came: nobody should. */
async function canary(at: number): Promise<void> {
  const entry = {
    server: createServer((socket) => {
      entry.hits++;
      socket.destroy();
    }),
    hits: 0,
  };
  await new Promise<void>((resolve) => entry.server.listen(at, '127.0.0.1', resolve));
  canaries.push(entry);
}

/** A CA and a certificate for *.pin.test it signed, in `dir`. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=paas pin test CA',
  );
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'site.key', '-out', 'site.csr', '-subj', '/CN=pin.test');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:*.pin.test\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'site.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'site.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
}

/** A bare repository with a `main` branch, served as git's "dumb" http (plain files). */
function makeRepository(dir: string): void {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '--quiet', '--initial-branch=main', 'tree');
  writeFileSync(join(dir, 'tree', 'README'), 'pinned\n');
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', 'add', '.'], { cwd: join(dir, 'tree') });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '--quiet', '-m', 'one'], { cwd: join(dir, 'tree') });
  git('clone', '--quiet', '--bare', 'tree', 'site/repo.git');
  execFileSync('git', ['update-server-info'], { cwd: join(dir, 'site/repo.git') });
  execFileSync('tar', ['-czf', join(dir, 'site/app.tar.gz'), '-C', join(dir, 'tree'), 'README']);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'paas-pin-'));
  makeCertificates(work);
  makeRepository(work);
  dns = await startTestDns();
  const tls = { key: readFileSync(join(work, 'site.key')), cert: readFileSync(join(work, 'site.pem')) };

  port = await freePort();
  site = createHttpsServer(tls, (req, res) => {
    siteHits.push(`${req.headers.host} ${req.url}`);
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (path === '/moved.tar.gz') {
      res.writeHead(302, { location: `https://mirror.pin.test:${port}/app.tar.gz` }).end();
      return;
    }
    try {
      const file = join(work, 'site', path);
      if (!statSync(file).isFile()) throw new Error('not a file');
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(port, '127.0.0.2', resolve));
  await canary(port);

  s3Port = await freePort();
  const s3Dir = join(work, 's3');
  s3 = new S3rver({
    address: '127.0.0.2',
    port: s3Port,
    silent: true,
    directory: s3Dir,
    vhostBuckets: false,
    ...tls,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  await s3.run();
  await canary(s3Port);

  daemon = await startDaemon({
    env: { PAAS_DNS_SERVERS: dns.server, NODE_EXTRA_CA_CERTS: join(work, 'ca.pem'), GIT_SSL_CAINFO: join(work, 'ca.pem') },
  });
  token = (await daemon.paasOk(['tokens:create', 'pin-remote'])).trim();
  await daemon.paasOk(['apps:create', 'pinapp']);
}, 300_000);

afterAll(async () => {
  await daemon?.destroy();
  await s3?.close();
  site?.close();
  for (const { server } of canaries) server.close();
  await dns?.close();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('a name is resolved once, and every client connects to the address that was checked', () => {
  it('git:sync over https: git (curl) uses the pinned address, with the certificate checked against the name', async () => {
    dns.answer('git.pin.test', ['127.0.0.2'], ['127.0.0.1']);
    const out = await daemon.paasOk(['git:sync', 'pinapp', `https://git.pin.test:${port}/repo.git`]);
    expect(out).toMatch(/Branch main is now at [0-9a-f]{7}/);
    expect(dns.asked('git.pin.test')).toBe(1); // git fetch and git ls-remote did not ask again
    expect(siteHits).toContain(`git.pin.test:${port} /repo.git/info/refs?service=git-upload-pack`);
    expect(canaryHits()).toBe(0);
  });

  it('git:from-archive: the download and each redirect hop go to their pinned address', async () => {
    dns.answer('files.pin.test', ['127.0.0.2'], ['127.0.0.1']);
    dns.answer('mirror.pin.test', ['127.0.0.2'], ['127.0.0.1']);
    const result = await daemon.paas(['git:from-archive', 'pinapp', `https://files.pin.test:${port}/moved.tar.gz`], { timeoutMs: 300_000 });
    expect(result.stdout).toMatch(/Unpacking a tar\.gz archive of \d+b for pinapp/);
    expect(dns.asked('files.pin.test')).toBe(1);
    expect(dns.asked('mirror.pin.test')).toBe(1);
    expect(siteHits).toContain(`mirror.pin.test:${port} /app.tar.gz`);
    expect(canaryHits()).toBe(0);
  }, 320_000);
});

describe('a remote caller: a private answer is refused before any connection, and nothing changes', () => {
  it('git:sync over https and ssh, git:from-archive, git:from-image', async () => {
    dns.answer('inside.pin.test', ['127.0.0.1']);
    const before = await daemon.paasOk(['git:report', 'pinapp']).catch(() => '');
    const cases: Array<[string[], RegExp]> = [
      [
        ['git:sync', 'pinapp', `https://inside.pin.test:${port}/repo.git`, 'main'],
        /git repository "https:\/\/inside\.pin\.test:\d+\/repo\.git" points at inside\.pin\.test \(127\.0\.0\.1\), a private or loopback address/,
      ],
      [['git:sync', 'pinapp', 'git@inside.pin.test:repo.git', 'main'], /points at inside\.pin\.test \(127\.0\.0\.1\)/],
      [
        ['git:from-archive', 'pinapp', `https://inside.pin.test:${port}/app.tar.gz`],
        /archive "[^"]+" points at inside\.pin\.test \(127\.0\.0\.1\)/,
      ],
      [['git:from-image', 'pinapp', `inside.pin.test:${port}/team/app:1`], /image "[^"]+" points at inside\.pin\.test \(127\.0\.0\.1\)/],
    ];
    for (const [args, message] of cases) {
      const asked = dns.asked('inside.pin.test');
      const result = await remote(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(dns.asked('inside.pin.test')).toBe(asked + 1);
    }
    expect(await daemon.paasOk(['git:report', 'pinapp']).catch(() => '')).toBe(before);
    expect(canaryHits()).toBe(0);
  });

  it('may not choose the ACME server by URL (the daemon would follow every URL its directory names)', async () => {
    const refused = await remote(['letsencrypt:set', 'pinapp', 'server', `https://inside.pin.test:${port}/directory`]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/an ACME server URL can only be set with the paas command on the server/);
    expect(await daemon.paasOk(['letsencrypt:report', 'pinapp', '--letsencrypt-server'])).not.toContain('inside');
    await remote(['letsencrypt:set', 'pinapp', 'server', 'staging']).then((r) => expect(r.code, r.stderr).toBe(0));
    await daemon.paasOk(['letsencrypt:set', 'pinapp', 'server', `https://inside.pin.test:${port}/directory`]);
    expect(await daemon.paasOk(['letsencrypt:report', 'pinapp', '--letsencrypt-server'])).toContain('inside.pin.test');
  });
});

describe("app.json healthcheck onFailure url (pushed code's choice)", () => {
  it('is not posted to when its name answers a private address, and is resolved once', async () => {
    const saved = process.env.PAAS_DNS_SERVERS;
    process.env.PAAS_DNS_SERVERS = dns.server; // postFailure runs in this process here
    try {
      dns.answer('hook.pin.test', ['127.0.0.1']);
      expect(await postFailure(`http://hook.pin.test:${port}/hook`, { name: 'web' })).toBe(
        'not posted: hook.pin.test is a private or loopback address (127.0.0.1)',
      );
      expect(dns.asked('hook.pin.test')).toBe(1);
      expect(canaryHits()).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.PAAS_DNS_SERVERS;
      else process.env.PAAS_DNS_SERVERS = saved;
    }
  });
});

describe('backup endpoints: checked and pinned at every use, not only when set', () => {
  beforeAll(async () => {
    await daemon.paasOk(['postgres:create', SERVICE], { timeoutMs: 600_000 });
  }, 620_000);

  it("a remote caller's endpoint that answers a private address is refused by backup-auth", async () => {
    dns.answer('inside-s3.pin.test', ['127.0.0.1']);
    const result = await remote([
      'postgres:backup-auth',
      SERVICE,
      'S3RVER',
      'S3RVER',
      'us-east-1',
      's3v4',
      `https://inside-s3.pin.test:${s3Port}`,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/endpoint "https:\/\/inside-s3\.pin\.test:\d+" points at inside-s3\.pin\.test \(127\.0\.0\.1\)/);
    expect(await daemon.paasOk(['postgres:backup-report', SERVICE])).not.toContain('inside-s3');
    expect(canaryHits()).toBe(0);
  });

  it("a remote caller's endpoint that turns private after backup-auth is refused at use, before any connection", async () => {
    dns.answer('s3.pin.test', [PUBLIC_LOOKING], ['127.0.0.1']);
    const endpoint = `https://s3.pin.test:${s3Port}`;
    await daemon.paasOk(['postgres:backup-auth', SERVICE, 'S3RVER', 'S3RVER', 'us-east-1', 's3v4', endpoint], {
      env: remoteEnv(daemon, token),
    });
    expect(dns.asked('s3.pin.test')).toBe(1);
    const list = await remote(['postgres:backup-list', SERVICE, BUCKET]);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toMatch(/endpoint https:\/\/s3\.pin\.test:\d+ now points at 127\.0\.0\.1, a private or loopback address/);
    expect(dns.asked('s3.pin.test')).toBe(2);
    expect(canaryHits()).toBe(0);
  });

  it("root's endpoint may be private; the S3 client still connects only to the pinned address, checking TLS against the name", async () => {
    dns.answer('s3.pin.test', ['127.0.0.2'], ['127.0.0.1']);
    await daemon.paasOk(['postgres:backup-auth', SERVICE, 'S3RVER', 'S3RVER', 'us-east-1', 's3v4', `https://s3.pin.test:${s3Port}`]);
    const backup = await daemon.paasOk(['postgres:backup', SERVICE, BUCKET], { timeoutMs: 300_000 });
    expect(backup).toMatch(new RegExp(`Backup saved: s3://${BUCKET}/postgres-${SERVICE}-`));
    expect(dns.asked('s3.pin.test')).toBe(1); // one resolution for the whole (multi-request) upload
    dns.answer('s3.pin.test', ['127.0.0.2'], ['127.0.0.1']); // each command resolves once, anew
    const listed = await daemon.paasOk(['postgres:backup-list', SERVICE, BUCKET]);
    expect(listed).toContain(`postgres-${SERVICE}-`);
    expect(dns.asked('s3.pin.test')).toBe(1);
    expect(canaryHits()).toBe(0);
  }, 320_000);
});
