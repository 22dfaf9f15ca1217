// The JSON API (/api/v1): its OpenAPI document validates, every route in it is called here, and
// dashboard login is one-time, cookie-bound and refuses forged cookies and cross-site requests.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, startDaemon, viaNginx, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;
let token: string;
let base: string;
const DOMAIN = 'api.test';
/** `METHOD /path/{param}` of every route a test called. */
const called = new Set<string>();

interface Reply {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** Calls a route by its OpenAPI path template, recording it as covered. */
async function call(
  method: string,
  template: string,
  options: {
    params?: Record<string, string | number>;
    query?: string;
    body?: unknown;
    headers?: Record<string, string>;
    auth?: boolean;
  } = {},
): Promise<Reply> {
  called.add(`${method} ${template}`);
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(options.params?.[name])));
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== false) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}${options.query ? `?${options.query}` : ''}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text/plain routes
  }
  return { status: response.status, body, text, headers: response.headers };
}

async function loginSecret(env?: NodeJS.ProcessEnv): Promise<string> {
  const output = await daemon.paasOk(['dashboard:login-link'], { env });
  return output.split('\n')[0]!.split('#')[1]!;
}

beforeAll(async () => {
  daemon = await startDaemon();
  base = `http://127.0.0.1:${daemon.apiPort}`;
  token = (await daemon.paasOk(['tokens:create', 'api'])).trim();
  await daemon.paasOk(['domains:set-global', DOMAIN]);
  const tree = await appWorkTree('hello');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/web.git`, 'main');
  expect(push.code, push.stderr).toBe(0);
});
afterAll(async () => {
  await daemon?.destroy();
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3, public, and lists the routes', async () => {
    const reply = await call('GET', '/api/v1/openapi.json', { auth: false });
    expect(reply.status).toBe(200);
    const result = await new Validator().validate(reply.body as Record<string, unknown>);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys((reply.body as { paths: object }).paths)).toContain('/api/v1/apps/{app}/builds/{id}/log');
  });
});

describe('apps, releases, config, processes', () => {
  it('lists apps with state, release, processes, URLs and last deploy', async () => {
    const reply = await call('GET', '/api/v1/apps');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual([
      expect.objectContaining({
        name: 'web',
        status: 'running',
        release: 'v1',
        processes: { web: 1 },
        urls: [expect.stringContaining(`http://web.${DOMAIN}`)],
        lastDeploy: expect.objectContaining({ status: 'succeeded' }),
      }),
    ]);
    const one = await call('GET', '/api/v1/apps/{app}', { params: { app: 'web' } });
    expect(one.body).toMatchObject({ name: 'web', status: 'running' });
  });

  it('creates and destroys an app, with the CLI messages', async () => {
    expect(await call('POST', '/api/v1/apps', { body: { name: 'extra' } })).toMatchObject({
      status: 201,
      body: { output: '-----> Created extra\n' },
    });
    expect(await daemon.paasOk(['apps:list'])).toContain('extra');
    const clash = await call('POST', '/api/v1/apps', { body: { name: 'extra' } });
    expect(clash.status).toBe(400);
    expect((clash.body as { error: string }).error).toBe(
      (await daemon.paas(['apps:create', 'extra'])).stderr.trim().replace(/^error: /, ''),
    );
    expect((await call('DELETE', '/api/v1/apps/{app}', { params: { app: 'extra' } })).status).toBe(200);
    expect(await call('GET', '/api/v1/apps/{app}', { params: { app: 'extra' } })).toMatchObject({
      status: 404,
      body: { error: 'app "extra" does not exist; create it with: paas apps:create extra' },
    });
    expect((await call('POST', '/api/v1/apps', { body: { name: 'Bad Name' } })).status).toBe(400);
  });

  it('sets, masks, reveals and unsets config; the app serves the value', async () => {
    const set = await call('PATCH', '/api/v1/apps/{app}/config', { params: { app: 'web' }, body: { vars: { COLOR: 'blue sky' } } });
    expect(set.status, set.text).toBe(200);
    expect((set.body as { output: string }).output).toMatch(/Releasing web v2: Set COLOR/);
    expect((await viaNginx(daemon.httpPort, `web.${DOMAIN}`, '/cgi-bin/env')).body).toContain('COLOR=blue sky\n');
    expect((await call('GET', '/api/v1/apps/{app}/config', { params: { app: 'web' } })).body).toMatchObject({ COLOR: '********' });
    expect((await call('GET', '/api/v1/apps/{app}/config', { params: { app: 'web' }, query: 'reveal=true' })).body).toMatchObject({
      COLOR: 'blue sky',
    });
    const unset = await call('DELETE', '/api/v1/apps/{app}/config/{key}', { params: { app: 'web', key: 'COLOR' } });
    expect((unset.body as { output: string }).output).toMatch(/Unset COLOR/);
    expect((await call('GET', '/api/v1/apps/{app}/config', { params: { app: 'web' } })).body).not.toHaveProperty('COLOR');
  });

  it('lists releases and rolls back', async () => {
    const releases = await call('GET', '/api/v1/apps/{app}/releases', { params: { app: 'web' } });
    expect((releases.body as Array<{ version: number }>).map((r) => r.version)).toEqual([3, 2, 1]);
    const rollback = await call('POST', '/api/v1/apps/{app}/rollback', { params: { app: 'web' }, body: { version: 2 } });
    expect((rollback.body as { output: string }).output).toContain('Rollback to v2');
    expect((await viaNginx(daemon.httpPort, `web.${DOMAIN}`, '/cgi-bin/env')).body).toContain('COLOR=blue sky\n');
    // The same command as the CLI: the stored config is v2's again.
    expect((rollback.body as { output: string }).output).toContain('Added: COLOR');
    expect((await call('GET', '/api/v1/apps/{app}/config', { params: { app: 'web' }, query: 'reveal=true' })).body).toMatchObject({
      COLOR: 'blue sky',
    });
    expect(await call('POST', '/api/v1/apps/{app}/rollback', { params: { app: 'web' }, body: { version: 99 } })).toMatchObject({
      status: 404,
      body: { error: 'web has no release v99; see: paas releases web' },
    });
  });

  it('reports domains, certificate, processes and stats; scales and restarts', async () => {
    expect((await call('GET', '/api/v1/apps/{app}/domains', { params: { app: 'web' } })).body).toMatchObject({ 'global-vhosts': DOMAIN });
    expect((await call('GET', '/api/v1/apps/{app}/certs', { params: { app: 'web' } })).body).toMatchObject({ enabled: 'false' });
    expect((await call('PUT', '/api/v1/apps/{app}/processes', { params: { app: 'web' }, body: { web: 2 } })).status).toBe(200);
    const processes = await call('GET', '/api/v1/apps/{app}/processes', { params: { app: 'web' } });
    expect(processes.body).toMatchObject({ scale: { web: 2 }, report: { status: 'running' } });
    const stats = await call('GET', '/api/v1/apps/{app}/stats', { params: { app: 'web' } });
    expect(stats.body).toEqual([
      expect.objectContaining({ process: 'web.1', memoryBytes: expect.any(Number), cpuPercent: expect.any(Number) }),
      expect.objectContaining({ process: 'web.2' }),
    ]);
    expect((stats.body as Array<{ memoryBytes: number }>)[0]!.memoryBytes).toBeGreaterThan(0);
    // After stats: a restart's old containers run a few seconds more while they retire.
    const restart = await call('POST', '/api/v1/apps/{app}/restart', { params: { app: 'web' } });
    expect((restart.body as { output: string }).output).toContain('web.2');
  });

  it("lists builds, prints a build's log, and the app's logs", async () => {
    const builds = await call('GET', '/api/v1/apps/{app}/builds', { params: { app: 'web' } });
    const [build] = builds.body as Array<{ id: number; status: string }>;
    expect(build).toMatchObject({ status: 'succeeded' });
    const log = await call('GET', '/api/v1/apps/{app}/builds/{id}/log', { params: { app: 'web', id: build!.id }, query: 'follow=true' });
    expect(log.headers.get('content-type')).toContain('text/plain');
    expect(log.text).toContain('-----> Building web from Dockerfile');
    expect(await call('GET', '/api/v1/apps/{app}/builds/{id}/log', { params: { app: 'web', id: 999 } })).toMatchObject({
      status: 404,
      body: { error: 'web has no build "999"; see: paas builds:list web' },
    });
    await viaNginx(daemon.httpPort, `web.${DOMAIN}`, '/');
    const logs = await call('GET', '/api/v1/apps/{app}/logs', { params: { app: 'web' }, query: 'lines=20' });
    expect(logs.status).toBe(200);
    expect(logs.text).toMatch(/^web\[web\.\d\]: /m);
  });
});

describe('services and events', () => {
  it('lists postgres services and the event log', async () => {
    expect((await call('GET', '/api/v1/services')).body).toEqual(expect.arrayContaining([{ kind: 'postgres', services: [] }]));
    const events = await call('GET', '/api/v1/events', { query: 'lines=50' });
    expect((events.body as string[]).some((line) => line.includes('INVOKED: post-deploy( web )'))).toBe(true);
  });
});

describe('dashboard sessions', () => {
  let cookie: string;
  let csrf: string;

  it('a login link works once, and sets an HttpOnly Secure SameSite=Strict cookie', async () => {
    const secret = await loginSecret();
    const login = await call('POST', '/api/v1/session', { auth: false, body: { token: secret } });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^paas_session=[\w-]{40,}; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/);
    cookie = setCookie.split(';')[0]!;
    csrf = (login.body as { csrf: string }).csrf;
    expect(login.body).toMatchObject({ owner: 'root' });
    const again = await call('POST', '/api/v1/session', { auth: false, body: { token: secret } });
    expect(again).toMatchObject({ status: 401, body: { error: expect.stringContaining('unknown, used or expired') } });
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('the session reads and, with its CSRF token, changes state', async () => {
    expect(await call('GET', '/api/v1/session', { auth: false, headers: { cookie } })).toMatchObject({
      status: 200,
      body: { owner: 'root', csrf },
    });
    expect((await call('GET', '/api/v1/apps', { auth: false, headers: { cookie } })).status).toBe(200);
    const scale = await call('PUT', '/api/v1/apps/{app}/processes', {
      auth: false,
      params: { app: 'web' },
      body: { web: 1 },
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(scale.status, scale.text).toBe(200);
    // The release records who did it.
    expect(await daemon.paasOk(['ps:scale', 'web'])).toContain('web: 1');
  });

  it('refuses a forged cookie, a missing CSRF token and cross-site requests', async () => {
    const forged = await call('GET', '/api/v1/apps', {
      auth: false,
      headers: { cookie: 'paas_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toBeNull();
    const body = { vars: { EVIL: '1' } };
    const params = { app: 'web' };
    const noCsrf = await call('PATCH', '/api/v1/apps/{app}/config', { auth: false, params, body, headers: { cookie } });
    expect(noCsrf).toMatchObject({ status: 403, body: { error: 'missing or wrong X-CSRF-Token; reload the dashboard' } });
    const crossOrigin = await call('PATCH', '/api/v1/apps/{app}/config', {
      auth: false,
      params,
      body,
      headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' },
    });
    expect(crossOrigin).toMatchObject({ status: 403, body: { error: 'cross-site request refused' } });
    const crossSite = await call('POST', '/api/v1/apps/{app}/restart', {
      auth: false,
      params,
      headers: { cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    // A form post (text/plain needs no CORS preflight) is not even parsed.
    const form = await fetch(`${base}/api/v1/apps/web/rollback`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(form.status).toBe(415);
    expect(await daemon.paasOk(['config:keys', 'web'])).not.toContain('EVIL');
  });

  it('sessions can be listed and revoked; logout ends one', async () => {
    expect(await daemon.paasOk(['dashboard:sessions'])).toMatch(/^[0-9a-f]{12} +root /m);
    expect(await daemon.paasOk(['dashboard:logout', '--all'])).toContain('Ended 1 dashboard session');
    expect((await call('GET', '/api/v1/apps', { auth: false, headers: { cookie } })).status).toBe(401);
    const login = await call('POST', '/api/v1/session', { auth: false, body: { token: await loginSecret() } });
    const fresh = login.headers.get('set-cookie')!.split(';')[0]!;
    const logout = await call('DELETE', '/api/v1/session', {
      auth: false,
      headers: { cookie: fresh, 'x-csrf-token': (login.body as { csrf: string }).csrf },
    });
    expect(logout.body).toEqual({ ended: true });
    expect((await call('GET', '/api/v1/session', { auth: false, headers: { cookie: fresh } })).status).toBe(401);
  });

  it('the admin can deny dashboard login to token holders', async () => {
    const asToken = { PAAS_API_URL: base, PAAS_API_TOKEN: token };
    const link = await loginSecret(asToken);
    await daemon.paasOk(['dashboard:set', '--global', 'token-login', 'false']);
    expect(await call('POST', '/api/v1/session', { auth: false, body: { token: link } })).toMatchObject({ status: 403 });
    const refused = await daemon.paas(['dashboard:login-link'], { env: asToken });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('dashboard login is off for API token and SSH key holders');
    // Root on the server still can.
    expect((await call('POST', '/api/v1/session', { auth: false, body: { token: await loginSecret() } })).status).toBe(200);
    await daemon.paasOk(['dashboard:set', '--global', 'token-login']);
  });
});

describe('coverage', () => {
  it('every route of the OpenAPI document was called by a test above', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json', { auth: false })).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.filter((route) => !called.has(route))).toEqual([]);
  });
});
