import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAAS_BIN, appWorkTree, freePort, run, startDaemon, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;
let remote: (app: string) => string;
let nginxDir: string;

beforeAll(async () => {
  daemon = await startDaemon();
  nginxDir = join(daemon.home, 'nginx');
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = (app) => `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`;
});

afterAll(async () => {
  if (!daemon) return;
  await daemon.stop();
  await stopNginx(daemon.home);
  await daemon.destroy();
});

/** The daemon leaves its nginx running on purpose (it outlives restarts): stop it and wait until it is gone. */
async function stopNginx(home: string): Promise<void> {
  const pid = nginxPid(home);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && isAlive(pid)) await sleep(50);
}

function nginxPid(home: string): number | undefined {
  try {
    return Number(readFileSync(join(home, 'nginx', 'nginx.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** GET through the managed nginx with a Host header; a new connection each time; status 0 when nothing answers. */
function viaNginx(host: string, path = '/'): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: daemon.httpPort, path, headers: { Host: host }, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', () => resolve({ status: 0, body: '', headers: {} }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '', headers: {} }));
    req.end();
  });
}

function curlHttps(domain: string, path = '/') {
  const port = daemon.httpsPort;
  return run('curl', [
    '-sk',
    '--max-time',
    '5',
    '--resolve',
    `${domain}:${port}:127.0.0.1`,
    '-w',
    '\n%{http_code}',
    `https://${domain}:${port}${path}`,
  ]);
}

/** Every file of the live tree nginx reads, with a hash of its bytes (the candidate tree left out). */
function configSnapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of ['', 'conf.d', 'apps']) {
    for (const name of readdirSync(join(nginxDir, dir))) {
      const path = join(nginxDir, dir, name);
      if (!name.endsWith('.conf') || name === 'nginx.check.conf' || !statSync(path).isFile()) continue;
      files[join(dir, name)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  }
  return files;
}

function reloadCount(): number {
  const log = readFileSync(join(daemon.home, 'logs', 'paasd.log'), 'utf8');
  return log.split('\n').filter((line) => line.includes('"msg":"nginx reloaded"')).length;
}

describe('managed nginx', () => {
  it('starts with the daemon and answers an unknown host with the paas 404', async () => {
    expect(nginxPid(daemon.home)).toBeGreaterThan(1);
    const reply = await viaNginx('nobody.example.test');
    expect(reply.status).toBe(404);
    expect(reply.body).toBe('404 Not Found: no app is served at this address (paas)\n');
  });

  it('routes a domain to the pushed app, with forwarded headers, and 404s after domains:remove', async () => {
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', remote('blog'), 'main');
    expect(push.code, push.stderr).toBe(0);
    expect((await viaNginx('blog.example.test')).status).toBe(404);

    const before = reloadCount();
    const added = await daemon.paasOk(['domains:add', 'blog', 'Blog.Example.Test']);
    expect(added).toContain('-----> Added blog.example.test to blog');
    expect(added).toContain(`http://blog.example.test:${daemon.httpPort}`);
    expect(reloadCount() - before).toBe(1);
    expect(await viaNginx('blog.example.test')).toMatchObject({ status: 200, body: 'hello from paas\n' });
    expect((await daemon.paasOk(['urls', 'blog'])).trim()).toBe(`http://blog.example.test:${daemon.httpPort}`);

    const env = await viaNginx('blog.example.test', '/cgi-bin/env');
    expect(env.status).toBe(200);
    expect(env.body).toContain('HTTP_X_FORWARDED_FOR=127.0.0.1');
    expect(env.body).toContain('HTTP_X_FORWARDED_PROTO=http');
    expect(env.body).toContain(`HTTP_X_FORWARDED_PORT=${daemon.httpPort}`);
    expect(env.body).toMatch(/HTTP_X_REQUEST_START=t=\d+\.\d+/);

    await daemon.paasOk(['domains:remove', 'blog', 'blog.example.test']);
    expect((await viaNginx('blog.example.test')).status).toBe(404);
    await daemon.paasOk(['domains:add', 'blog', 'blog.example.test']);
    expect((await viaNginx('blog.example.test')).status).toBe(200);
  });

  it('refuses hostile domains and values, leaving every nginx file byte-identical', async () => {
    const before = configSnapshot();
    const attempts = [
      ['domains:add', 'blog', 'x.test; return 200'],
      ['domains:add', 'blog', 'a b'],
      ['domains:add', 'blog', '{'],
      ['domains:add', 'blog', 'x.test\nreturn 200;'],
      ['domains:add', 'blog', '"x.test"'],
      ['domains:add', 'blog', "x.test'"],
      ['domains:add', 'blog', '$host'],
      ['domains:add', 'blog', 'a..b'],
      ['domains:add', 'blog', `${'a'.repeat(64)}.test`],
      ['domains:add', 'blog', 'ok.test', 'x.test;'],
      ['domains:set', 'blog', 'x.test}'],
      ['domains:set-global', 'example.test;'],
      ['certs:generate', 'blog', 'x.test/CN=evil'],
      ['ports:add', 'blog', 'http:80:5000;'],
      ['nginx:set', 'blog', 'client-max-body-size', '1m; return 200'],
      ['nginx:set', 'blog', 'proxy-buffering', 'off;'],
    ];
    for (const argv of attempts) {
      const result = await daemon.paas(argv);
      expect(result.code, argv.join(' ')).not.toBe(0);
      expect(result.stderr, argv.join(' ')).toMatch(/^error: invalid [^\n]*\n$/);
    }
    expect(configSnapshot()).toEqual(before);
    expect((await viaNginx('ok.test')).status).toBe(404);
    expect((await viaNginx('blog.example.test')).status).toBe(200);
  });

  it('refuses a domain another app serves, naming that app', async () => {
    await daemon.paasOk(['apps:create', 'other']);
    const result = await daemon.paas(['domains:add', 'other', 'blog.example.test']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the domain blog.example.test is already used by app "blog"');
  });

  it('switches a redeploy without failing a single request', async () => {
    const upstreams = () =>
      (readFileSync(join(nginxDir, 'apps', 'blog.conf'), 'utf8').match(/server \d+\.\d+\.\d+\.\d+:\d+/g) ?? []).join(' ');
    const before = upstreams();
    expect(before).not.toBe('');
    let deploying = true;
    const deploy = daemon.paas(['deploy', 'blog']).finally(() => (deploying = false));
    const statuses = new Map<number, number>();
    let requests = 0;
    let after = 0;
    // Requests one after another for the whole deploy, then for 2 s of old containers retiring.
    while (requests < 3000 && (deploying || after++ < 200)) {
      const reply = await viaNginx('blog.example.test');
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      requests++;
      await sleep(deploying ? 5 : 10);
    }
    const result = await deploy;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/nginx routes blog to \d+\.\d+\.\d+\.\d+:5000/);
    expect(upstreams()).not.toBe(before);
    expect(Object.fromEntries(statuses)).toEqual({ 200: requests });
    expect(requests).toBeGreaterThan(100);
  });

  it('serves https after certs:generate, redirects http there, and back to http after certs:remove', async () => {
    const generated = await daemon.paasOk(['certs:generate', 'blog', 'blog.example.test']);
    expect(generated).toContain(`https://blog.example.test:${daemon.httpsPort}`);
    const https = await curlHttps('blog.example.test');
    expect(https.stdout).toBe('hello from paas\n\n200');
    const env = await curlHttps('blog.example.test', '/cgi-bin/env');
    expect(env.stdout).toContain('HTTP_X_FORWARDED_PROTO=https');
    const http = await viaNginx('blog.example.test', '/a?b=1');
    expect(http.status).toBe(301);
    expect(http.headers.location).toBe(`https://blog.example.test:${daemon.httpsPort}/a?b=1`);
    const headers = await run('curl', [
      '-skI',
      '--resolve',
      `blog.example.test:${daemon.httpsPort}:127.0.0.1`,
      `https://blog.example.test:${daemon.httpsPort}/`,
    ]);
    expect(headers.stdout.toLowerCase()).toContain('strict-transport-security: max-age=15724800');
    expect(await daemon.paasOk(['certs:report', 'blog'])).toMatch(/Ssl hostnames: +blog\.example\.test/);
    expect((await daemon.paasOk(['urls', 'blog'])).trim()).toBe(`https://blog.example.test:${daemon.httpsPort}`);
    // A name no app owns gets no certificate at all.
    expect((await curlHttps('nobody.example.test')).stdout).toMatch(/(^|\n)000$/);

    await daemon.paasOk(['certs:remove', 'blog']);
    expect((await viaNginx('blog.example.test')).status).toBe(200);
    expect(existsSync(join(nginxDir, 'certs', 'blog'))).toBe(false);
  });

  it('takes a certificate as a tar on stdin, and refuses a key of another certificate', async () => {
    const dir = join(daemon.home, 'tmp');
    const make = (name: string) =>
      run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.crt`),
      ]);
    await run('mkdir', ['-p', dir]);
    await make('one');
    await make('two');
    const tar = await run('tar', ['-cf', join(dir, 'pair.tar'), '-C', dir, 'one.crt', 'one.key']);
    expect(tar.code).toBe(0);
    const added = await daemon.paas(['certs:add', 'blog'], { input: readFileSync(join(dir, 'pair.tar')) });
    expect(added.code, added.stderr).toBe(0);
    expect(await daemon.paasOk(['certs:report', 'blog'])).toMatch(/Ssl subject: +CN=one/);
    const before = configSnapshot();
    const mismatched = await daemon.paas(['certs:add', 'blog', join(dir, 'one.crt'), join(dir, 'two.key')]);
    expect(mismatched.code).not.toBe(0);
    expect(mismatched.stderr).toBe('error: the key does not belong to the certificate\n');
    expect(configSnapshot()).toEqual(before);
    await daemon.paasOk(['certs:remove', 'blog']);
  });

  it('refuses a change nginx cannot apply (its port is taken) and keeps serving the old config', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const before = configSnapshot();
      const refused = await daemon.paas(['ports:add', 'blog', `http:${port}:5000`]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toBe(`error: host port ${port} is in use by another program on this server; pick another, or add --force\n`);
      const result = await daemon.paas(['ports:add', 'blog', `http:${port}:5000`, '--force']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `nginx could not apply the change and kept its previous configuration: bind() to 127.0.0.1:${port} failed`,
      );
      expect(configSnapshot()).toEqual(before);
      expect(await daemon.paasOk(['ports:list', 'blog'])).not.toContain(String(port));
      expect((await viaNginx('blog.example.test')).status).toBe(200);
    } finally {
      squatter.close();
    }
  });

  it('keeps serving while the daemon is down, and the restarted daemon adopts the same nginx', async () => {
    const pid = nginxPid(daemon.home);
    await daemon.stop();
    expect(await viaNginx('blog.example.test')).toMatchObject({ status: 200, body: 'hello from paas\n' });
    await daemon.start();
    expect(nginxPid(daemon.home)).toBe(pid);
    expect((await viaNginx('blog.example.test')).status).toBe(200);
    await daemon.paasOk(['domains:add', 'blog', 'www.blog.test']);
    expect((await viaNginx('www.blog.test')).status).toBe(200);
  });

  it('disables an app whose files broke outside paas, and the others keep changing', async () => {
    await daemon.paasOk(['domains:add', 'other', 'other.example.test']);
    await daemon.paasOk(['certs:generate', 'other', 'other.example.test']);
    const versions = readdirSync(join(nginxDir, 'certs', 'other'));
    writeFileSync(join(nginxDir, 'certs', 'other', versions[0]!, 'server.crt'), 'not a certificate\n');
    const invalid = await daemon.paas(['nginx:validate-config']);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toMatch(/^error: the nginx configuration is invalid \(refused: other\): cannot load certificate/);

    await daemon.paasOk(['domains:add', 'blog', 'blog2.example.test']);
    expect((await viaNginx('blog2.example.test')).status).toBe(200);
    expect(readFileSync(join(nginxDir, 'apps', 'other.conf'), 'utf8')).toMatch(
      /^# paas: other is disabled: nginx refused its configuration: cannot load certificate/,
    );
    expect((await daemon.paas(['nginx:validate-config'])).code).toBe(0);
    const own = await daemon.paas(['domains:add', 'other', 'other2.example.test']);
    expect(own.stderr).toMatch(/^error: nginx refused the new configuration, so nothing changed: cannot load certificate/);
    await daemon.paasOk(['certs:remove', 'other']);
    expect((await viaNginx('other.example.test')).body).toContain('other has no running web process');
  });

  it('prints the access log, and follows it with -t until the caller goes away', async () => {
    expect(await daemon.paasOk(['nginx:access-logs', 'blog'])).toContain('"GET / HTTP/1.1" 200');
    const follower = spawn(process.execPath, [PAAS_BIN, 'nginx:access-logs', 'blog', '-t'], { env: { ...process.env, ...daemon.env } });
    let output = '';
    follower.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await sleep(500);
    await viaNginx('blog.example.test', '/followed-request');
    const deadline = Date.now() + 10_000;
    while (!output.includes('/followed-request') && Date.now() < deadline) await sleep(50);
    expect(output).toContain('"GET /followed-request HTTP/1.1" 404');
    follower.kill('SIGINT');
    await new Promise((resolve) => follower.once('exit', resolve));
    const tails = async () => (await run('pgrep', ['-f', `tail -n 100 -F -- ${join(nginxDir, 'logs', 'blog-access.log')}`])).stdout.trim();
    const gone = Date.now() + 5000;
    while ((await tails()) && Date.now() < gone) await sleep(100);
    expect(await tails()).toBe('');
  });

  it('serves every app at APP.GLOBAL after domains:set-global', async () => {
    await daemon.paasOk(['domains:set-global', 'apps.test']);
    expect((await viaNginx('blog.apps.test')).status).toBe(200);
    expect(await daemon.paasOk(['domains:report', 'blog', '--domains-app-vhosts'])).toContain('blog.apps.test');
    await daemon.paasOk(['domains:remove', 'blog', 'blog.apps.test']);
    expect((await viaNginx('blog.apps.test')).status).toBe(404);
    await daemon.paasOk(['domains:clear-global']);
    expect((await viaNginx('other.apps.test')).status).toBe(404);
  });

  it('removes the config and certificates of a destroyed app', async () => {
    await daemon.paasOk(['certs:generate', 'blog', 'blog.example.test']);
    await daemon.paasOk(['apps:destroy', 'blog', '--force']);
    expect(existsSync(join(nginxDir, 'apps', 'blog.conf'))).toBe(false);
    expect(existsSync(join(nginxDir, 'certs', 'blog'))).toBe(false);
    expect((await viaNginx('blog.example.test')).status).toBe(404);
    // The domain is free again.
    await daemon.paasOk(['domains:add', 'other', 'blog.example.test']);
  });
});
