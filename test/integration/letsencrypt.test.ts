/**
 * letsencrypt:* against a real ACME server: Debian's pebble (Let's Encrypt's test CA) on loopback,
 * validating over real HTTP-01 through the daemon's nginx. pebble-challtestsrv is its DNS server,
 * so test names resolve to 127.0.0.1 without touching /etc/hosts; a name it was not told about
 * does not resolve. Nothing machine-wide is changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, freePort, loadDuring, run, startDaemon, type DaemonHandle } from './harness.js';

const GOOD = ['shop.le.test', 'www.shop.le.test'];
const UNRESOLVED = 'ghost.le.test';
/** Resolves to 127.0.0.2, where nothing listens (the daemon's nginx is on 127.0.0.1 only). */
const CLOSED = 'closed.le.test';
const LATER = 'api.shop.le.test';
/** The dashboard's domain (dashboard:set --global domain). */
const DASHBOARD = 'paas.le.test';

let dir: string;
let daemon: DaemonHandle;
let pebble: ChildProcess | undefined;
let dns: ChildProcess | undefined;
let pebbleRoot: string;
let ports: { acme: number; management: number; dns: number; dnsManagement: number };

async function requireBinary(name: string): Promise<void> {
  const found = await run('sh', ['-c', 'command -v "$0"', name]);
  if (found.code !== 0) throw new Error(`${name} is not installed; install the Debian package pebble (it is in .ci/test-packages)`);
}

function startLogged(command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  (child as ChildProcess & { log: () => string }).log = () => log;
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startPebble(): ChildProcess {
  return startLogged('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${ports.dns}`], {
    // Validation stays real; only the random waits and rejected nonces of pebble's torture mode are off.
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
    PEBBLE_VA_ALWAYS_VALID: '0',
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** GET over https through the daemon's nginx, trusting only pebble's root. */
function viaHttps(host: string, path = '/'): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: daemon.httpsPort,
        path,
        servername: host,
        headers: { Host: host },
        ca: readFileSync(pebbleRoot),
        agent: false,
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256 ?? '';
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), fingerprint }));
        res.on('error', () => resolve({ status: 0, body: '', fingerprint: '' }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', (error) => resolve({ status: 0, body: String(error), fingerprint: '' }));
    req.end();
  });
}

/** `STATUS REDIRECT-URL` of a plain http request through the daemon's nginx. */
async function plainHttp(host: string, path: string): Promise<string> {
  const answer = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{redirect_url}',
    '--resolve',
    `${host}:${daemon.httpPort}:127.0.0.1`,
    `http://${host}:${daemon.httpPort}${path}`,
  ]);
  return answer.stdout;
}

beforeAll(async () => {
  await requireBinary('pebble');
  await requireBinary('pebble-challtestsrv');
  dir = mkdtempSync(join(tmpdir(), 'paas-pebble-'));
  ports = { acme: await freePort(), management: await freePort(), dns: await freePort(), dnsManagement: await freePort() };
  // pebble's own https certificate (its directory URL); the daemon trusts it through NODE_EXTRA_CA_CERTS.
  const made = await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  expect(made.code, made.stderr).toBe(0);

  daemon = await startDaemon({ env: { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), PAAS_LETSENCRYPT_CHECK_INTERVAL: '2' } });
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${ports.acme}`,
        managementListenAddress: `127.0.0.1:${ports.management}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        // HTTP-01 is checked on the daemon's nginx http port, as Let's Encrypt checks port 80.
        httpPort: daemon.httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  // DNS: no default address, so only the names added below resolve (to 127.0.0.1).
  dns = startLogged('pebble-challtestsrv', [
    '-defaultIPv4',
    '',
    '-defaultIPv6',
    '',
    '-dns01',
    `127.0.0.1:${ports.dns}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${ports.dnsManagement}`,
  ]);
  for (const [host, address] of [
    ...GOOD.map((host) => [host, '127.0.0.1']),
    [LATER, '127.0.0.1'],
    [DASHBOARD, '127.0.0.1'],
    [CLOSED, '127.0.0.2'],
  ]) {
    await waitFor('pebble-challtestsrv', async () => {
      const response = await fetch(`http://127.0.0.1:${ports.dnsManagement}/add-a`, {
        method: 'POST',
        body: JSON.stringify({ host, addresses: [address] }),
      });
      return response.ok ? true : undefined;
    });
  }
  pebble = startPebble();
  const root = await waitFor('pebble', async () => {
    const got = await run('curl', ['-sf', '--cacert', join(dir, 'cert.pem'), `https://127.0.0.1:${ports.management}/roots/0`]);
    return got.code === 0 && got.stdout.includes('BEGIN CERTIFICATE') ? got.stdout : undefined;
  });
  pebbleRoot = join(dir, 'pebble-root.pem');
  writeFileSync(pebbleRoot, root);

  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  const tree = await appWorkTree('hello');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/shop.git`, 'main');
  expect(push.code, push.stderr).toBe(0);
  await daemon.paasOk(['domains:add', 'shop', ...GOOD]);
  await daemon.paasOk(['letsencrypt:set', '--global', 'server', `https://127.0.0.1:${ports.acme}/dir`]);
  await daemon.paasOk(['letsencrypt:set', '--global', 'email', 'ops@le.test']);
});

afterAll(async () => {
  await daemon?.destroy();
  await stopChild(pebble);
  await stopChild(dns);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('letsencrypt against pebble', () => {
  it('refuses a domain that does not resolve, naming it and the cause, and changes nothing', async () => {
    await daemon.paasOk(['apps:create', 'ghost']);
    await daemon.paasOk(['domains:add', 'ghost', UNRESOLVED]);
    const enabled = await daemon.paas(['letsencrypt:enable', 'ghost']);
    expect(enabled.code).not.toBe(0);
    expect(enabled.stderr).toContain(UNRESOLVED);
    expect(enabled.stderr).toContain('does not resolve');
    expect((await daemon.paasOk(['letsencrypt:active', 'ghost'])).trim()).toBe('false');
    expect((await daemon.paasOk(['certs:report', 'ghost', '--ssl-enabled'])).trim()).toBe('false');
    // The challenge answers are gone from nginx again.
    expect(await daemon.paasOk(['nginx:show-config', 'ghost'])).not.toContain('acme-challenge');
  });

  it('names a domain whose port 80 cannot be reached', async () => {
    await daemon.paasOk(['apps:create', 'closed']);
    await daemon.paasOk(['domains:add', 'closed', CLOSED]);
    const enabled = await daemon.paas(['letsencrypt:enable', 'closed']);
    expect(enabled.code).not.toBe(0);
    expect(enabled.stderr).toContain(`port 80 of ${CLOSED} cannot be reached`);
    expect((await daemon.paasOk(['letsencrypt:active', 'closed'])).trim()).toBe('false');
  });

  it('issues a certificate for every domain; https verifies against the pebble root and http redirects', async () => {
    const enabled = await daemon.paas(['letsencrypt:enable', 'shop'], { timeoutMs: 120_000 });
    expect(enabled.code, `${enabled.stdout}\n${enabled.stderr}\n${daemon.output().slice(-3000)}`).toBe(0);
    expect(enabled.stdout).toContain(`Installed a certificate for ${GOOD.join(' ')}`);
    expect((await daemon.paasOk(['letsencrypt:active', 'shop'])).trim()).toBe('true');

    for (const host of GOOD) {
      const curl = await run('curl', [
        '-sS',
        '--cacert',
        pebbleRoot,
        '--resolve',
        `${host}:${daemon.httpsPort}:127.0.0.1`,
        `https://${host}:${daemon.httpsPort}/`,
      ]);
      expect(curl.stderr).toBe('');
      expect(curl.stdout).toBe('hello from paas\n');
      expect(await plainHttp(host, '/x')).toBe(`301 https://${host}:${daemon.httpsPort}/x`);
    }
    const issuer = (await daemon.paasOk(['certs:report', 'shop', '--ssl-issuer'])).trim();
    expect(issuer).toContain('Pebble Intermediate CA');
    // Secrets: the account key and the certificate key are private to the daemon's user.
    expect(statSync(join(daemon.home, 'letsencrypt/account.key')).mode & 0o777).toBe(0o600);
    const list = await daemon.paasOk(['letsencrypt:list']);
    expect(list).toMatch(/^shop\s+\d{4}-\d\d-\d\d/m);
    // A second enable is a no-op while the certificate is current.
    expect(await daemon.paasOk(['letsencrypt:enable', 'shop'])).toContain('already has a certificate');
  });

  it('renews on its own schedule when within the grace period, with no failed request meanwhile', async () => {
    const before = (await viaHttps(GOOD[0]!)).fingerprint;
    expect(before).not.toBe('');
    const load = await loadDuring(
      () => viaHttps(GOOD[0]!),
      async () => {
        // Pebble's certificates live 5 years: a 10-year grace period makes the renewal due now.
        await daemon.paasOk(['letsencrypt:set', 'shop', 'graceperiod', '315360000']);
        await waitFor(
          'the renewed certificate',
          async () => ((await viaHttps(GOOD[0]!)).fingerprint !== before ? true : undefined),
          90_000,
        );
        await daemon.paasOk(['letsencrypt:set', 'shop', 'graceperiod']);
      },
    );
    expect(load.failures).toEqual([]);
    expect(load.requests).toBeGreaterThan(10);
    expect(daemon.output() + readFileSync(join(daemon.home, 'logs/paasd.log'), 'utf8')).toContain('letsencrypt: certificate renewed');
  });

  it('covers a domain added later at the next renewal check', async () => {
    await daemon.paasOk(['domains:add', 'shop', LATER]);
    const served = await waitFor(
      'a certificate covering the new domain',
      async () => {
        const reply = await viaHttps(LATER);
        return reply.status === 200 ? reply : undefined;
      },
      60_000,
    );
    expect(served.body).toBe('hello from paas\n');
    const hostnames = (await daemon.paasOk(['certs:report', 'shop', '--ssl-hostnames'])).trim().split(' ');
    expect(hostnames.sort()).toEqual([...GOOD, LATER].sort());
  });

  it('gives the dashboard domain a certificate with letsencrypt:enable --dashboard, and renews it on schedule', async () => {
    await daemon.paasOk(['dashboard:set', '--global', 'domain', DASHBOARD]);
    const enabled = await daemon.paas(['letsencrypt:enable', '--dashboard']);
    expect(enabled.code, `${enabled.stdout}\n${enabled.stderr}`).toBe(0);
    expect(enabled.stdout).toContain(`Installed a certificate for ${DASHBOARD}`);
    expect((await daemon.paasOk(['letsencrypt:active', '--dashboard'])).trim()).toBe('true');
    const page = await viaHttps(DASHBOARD);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>paas</title>');
    expect(await plainHttp(DASHBOARD, '/login')).toBe(`301 https://${DASHBOARD}:${daemon.httpsPort}/login`);
    expect(await daemon.paasOk(['letsencrypt:list'])).toMatch(/^--dashboard\s+\d{4}-\d\d-\d\d/m);
    expect(await daemon.paasOk(['dashboard:login-link'])).toContain(`https://${DASHBOARD}:${daemon.httpsPort}/login#`);

    // The daemon's renewal schedule covers the dashboard, with the global letsencrypt settings.
    await daemon.paasOk(['letsencrypt:set', '--global', 'graceperiod', '315360000']);
    try {
      await waitFor(
        "the dashboard's renewed certificate",
        async () => ((await viaHttps(DASHBOARD)).fingerprint !== page.fingerprint ? true : undefined),
        90_000,
      );
    } finally {
      await daemon.paasOk(['letsencrypt:set', '--global', 'graceperiod']);
    }
    expect((await viaHttps(DASHBOARD)).status).toBe(200);
  });

  it('keeps the working certificate when a renewal fails, and reports the failure', async () => {
    const before = await viaHttps(GOOD[0]!);
    expect(before.status).toBe(200);
    await stopChild(pebble);
    await daemon.paasOk(['letsencrypt:set', 'shop', 'graceperiod', '315360000']);
    const renew = await daemon.paas(['letsencrypt:auto-renew', 'shop']);
    expect(renew.code).not.toBe(0);
    expect(renew.stderr).toContain('renewal failed for shop');
    const list = await daemon.paasOk(['letsencrypt:list']);
    expect(list).toContain('cannot reach the ACME server');
    const json = JSON.parse(await daemon.paasOk(['letsencrypt:list', '--format', 'json'])) as Array<{
      app: string;
      failures: number;
      last_error: string;
    }>;
    const shop = json.find((row) => row.app === 'shop');
    expect(shop?.failures).toBeGreaterThan(0);
    const log = readFileSync(join(daemon.home, 'logs/paasd.log'), 'utf8');
    expect(log).toContain('renewal failed');
    const after = await viaHttps(GOOD[0]!);
    expect(after).toMatchObject({ status: 200, body: 'hello from paas\n', fingerprint: before.fingerprint });
    expect((await daemon.paasOk(['letsencrypt:active', 'shop'])).trim()).toBe('true');
    await daemon.paasOk(['letsencrypt:set', 'shop', 'graceperiod']);
  });
});
