/**
 * The dashboard through the managed nginx at its own domain (dashboard:set --global domain), with a
 * certificate made here by openssl: curl with --resolve and --cacert reaches it as a browser would,
 * logs in with a printed login link over https, and gets a Secure session cookie.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSigned } from '../../src/proxy/certs.js';
import { run, startDaemon, type DaemonHandle, type RunResult } from './harness.js';

const DOMAIN = 'paas.dash.test';
const APP_DOMAIN = 'shop.dash.test';

let daemon: DaemonHandle;
let dir: string;

/** curl as a browser on another machine would reach the domain: name resolved to nginx, our CA trusted. */
function curl(args: readonly string[]): Promise<RunResult> {
  return run('curl', [
    '-sS',
    '--max-time',
    '20',
    '--resolve',
    `${DOMAIN}:${daemon.httpPort}:127.0.0.1`,
    '--resolve',
    `${DOMAIN}:${daemon.httpsPort}:127.0.0.1`,
    '--cacert',
    join(dir, 'dash.crt'),
    ...args,
  ]);
}

const http = (path: string) => `http://${DOMAIN}:${daemon.httpPort}${path}`;
const https = (path: string) => `https://${DOMAIN}:${daemon.httpsPort}${path}`;

/** Status line and headers, then the body, of a curl -i answer. */
function split(answer: RunResult): { status: number; headers: string; body: string } {
  const cut = answer.stdout.indexOf('\r\n\r\n');
  const headers = answer.stdout.slice(0, cut);
  return { status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1] ?? 0), headers, body: answer.stdout.slice(cut + 4) };
}

async function report(key: string): Promise<string> {
  return (await daemon.paasOk(['dashboard:report', '--global', `--dashboard-${key === 'domain' ? 'global-domain' : key}`])).trim();
}

beforeAll(async () => {
  const found = await run('sh', ['-c', 'command -v curl && command -v openssl']);
  if (found.code !== 0) throw new Error('curl and openssl are needed; install the Debian packages curl and openssl');
  dir = mkdtempSync(join(tmpdir(), 'paas-dash-domain-'));
  // What certs:generate makes (openssl req -x509), trusted by curl below with --cacert.
  const pair = await generateSelfSigned(DOMAIN, dir);
  writeFileSync(join(dir, 'dash.crt'), pair.crt);
  writeFileSync(join(dir, 'dash.key'), pair.key, { mode: 0o600 });
  daemon = await startDaemon();
  await daemon.paasOk(['apps:create', 'shop']);
  await daemon.paasOk(['domains:add', 'shop', APP_DOMAIN]);
});

afterAll(async () => {
  await daemon?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard at its own domain through nginx', () => {
  it('refuses bad domains, wildcards, and an app domain, changing nothing', async () => {
    for (const bad of ['not a domain', 'bad_name.test', '*.dash.test', APP_DOMAIN]) {
      const set = await daemon.paas(['dashboard:set', '--global', 'domain', bad]);
      expect(set.code, bad).not.toBe(0);
      expect(set.stderr.trim().split('\n'), set.stderr).toHaveLength(1);
      expect(await report('domain')).toBe('');
    }
    const taken = await daemon.paas(['dashboard:set', '--global', 'domain', APP_DOMAIN]);
    expect(taken.stderr).toContain('already used by app "shop"');
    expect((await daemon.paas(['certs:add', '--dashboard', join(dir, 'dash.crt'), join(dir, 'dash.key')])).stderr).toContain(
      'the dashboard has no domain',
    );
  });

  it('serves the dashboard page and the API at the domain over http', async () => {
    const set = await daemon.paasOk(['dashboard:set', '--global', 'domain', DOMAIN.toUpperCase()]);
    expect(set).toContain('nginx reloaded');
    expect(await report('domain')).toBe(DOMAIN);
    expect(await report('url')).toBe(http('/'));
    const page = split(await curl(['-i', http('/')]));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>paas</title>');
    const openapi = split(await curl(['-i', http('/api/v1/openapi.json')]));
    expect(openapi.status).toBe(200);
    expect(JSON.parse(openapi.body).openapi).toMatch(/^3\./);
    // The API's own rules still apply behind nginx: no token, no apps.
    expect(split(await curl(['-i', http('/api/v1/apps')])).status).toBe(401);
    // Until it has a certificate, a login link says the Secure cookie needs one.
    const link = await daemon.paas(['dashboard:login-link']);
    expect(link.stdout).toContain(`${http('/login#')}`);
    expect(link.stderr).toContain('letsencrypt:enable --dashboard');
  });

  it('refuses an app the dashboard domain, changing nothing', async () => {
    const added = await daemon.paas(['domains:add', 'shop', DOMAIN]);
    expect(added.code).not.toBe(0);
    expect(added.stderr).toContain("is the dashboard's");
    expect(await daemon.paasOk(['domains:report', 'shop', '--domains-app-vhosts'])).not.toContain(DOMAIN);
  });

  it('takes a certificate with certs:add --dashboard: https serves it, http redirects there', async () => {
    const added = await daemon.paasOk(['certs:add', '--dashboard', join(dir, 'dash.crt'), join(dir, 'dash.key')]);
    expect(added).toContain(`to the dashboard`);
    expect(await report('ssl-enabled')).toBe('true');
    expect(await report('url')).toBe(https('/'));
    const redirect = split(await curl(['-i', http('/login')]));
    expect(redirect.status).toBe(301);
    expect(redirect.headers.toLowerCase()).toContain(`location: ${https('/login')}`);
    const page = split(await curl(['-i', https('/')]));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>paas</title>');
    expect((await daemon.paasOk(['certs:show', '--dashboard', 'crt'])).trim()).toContain('BEGIN CERTIFICATE');
  });

  it('logs in over https with a printed login link: Secure cookie, CSRF and origin checked', async () => {
    const link = (await daemon.paasOk(['dashboard:login-link'])).split('\n')[0].trim();
    expect(link.startsWith(https('/login#'))).toBe(true);
    const token = link.slice(link.indexOf('#') + 1);
    const origin = `https://${DOMAIN}:${daemon.httpsPort}`;
    const login = split(
      await curl([
        '-i',
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-H',
        `origin: ${origin}`,
        '--data',
        JSON.stringify({ token }),
        https('/api/v1/session'),
      ]),
    );
    expect(login.status, login.body).toBe(200);
    const setCookie = /^set-cookie: (.*)$/im.exec(login.headers)?.[1] ?? '';
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    const { csrf } = JSON.parse(login.body) as { csrf: string };

    const apps = split(await curl(['-i', '-H', `cookie: ${cookie}`, https('/api/v1/apps')]));
    expect(apps.status).toBe(200);
    expect(apps.body).toContain('"shop"');

    const create = (from: string, name: string) =>
      curl([
        '-i',
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-H',
        `cookie: ${cookie}`,
        '-H',
        `x-csrf-token: ${csrf}`,
        '-H',
        `origin: ${from}`,
        '--data',
        JSON.stringify({ name }),
        https('/api/v1/apps'),
      ]);
    // The page's own origin is https: the same name over http is another origin.
    const crossScheme = split(await create(`http://${DOMAIN}:${daemon.httpsPort}`, 'from-http'));
    expect(crossScheme.status).toBe(403);
    const made = split(await create(origin, 'from-dashboard'));
    expect(made.status, made.body).toBe(201);
    expect((await daemon.paasOk(['apps:list'])).split('\n')).toContain('from-dashboard');
    expect((await daemon.paasOk(['apps:list'])).split('\n')).not.toContain('from-http');
    // The link worked once.
    const again = split(
      await curl([
        '-i',
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '--data',
        JSON.stringify({ token }),
        https('/api/v1/session'),
      ]),
    );
    expect(again.status).toBe(401);
  });

  it('stops serving the dashboard when the domain is cleared', async () => {
    await daemon.paasOk(['dashboard:set', '--global', 'domain', '']);
    expect(await report('domain')).toBe('');
    const page = split(await curl(['-i', http('/')]));
    expect(page.status).toBe(404);
    expect(page.body).toContain('no app is served');
    // The certificate stays for when the domain comes back.
    await daemon.paasOk(['dashboard:set', '--global', 'domain', DOMAIN]);
    expect(split(await curl(['-i', https('/')])).status).toBe(200);
    await daemon.paasOk(['certs:remove', '--dashboard']);
    expect(split(await curl(['-i', http('/')])).status).toBe(200);
    expect(await report('ssl-enabled')).toBe('false');
  });

  it('takes the certificate as a tar on stdin too, as certs:add does for an app; a bad one changes nothing', async () => {
    const garbage = await daemon.paas(['certs:add', '--dashboard'], { input: 'not a tar' });
    expect(garbage.code).not.toBe(0);
    expect(garbage.stderr).toContain('tar');
    expect(await report('ssl-enabled')).toBe('false');
    const tar = execFileSync('tar', ['cf', '-', '-C', dir, 'dash.crt', 'dash.key']);
    await daemon.paasOk(['certs:add', '--dashboard'], { input: tar });
    expect(await report('ssl-enabled')).toBe('true');
    expect(split(await curl(['-i', https('/')])).status).toBe(200);
  });
});
