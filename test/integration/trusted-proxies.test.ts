import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, startDaemon, type DaemonHandle } from './harness.js';

/**
 * nginx:set --global trusted-proxies: behind Cloudflare or a load balancer (here: the test itself on
 * 127.0.0.1 plays the proxy), the app sees the client address and scheme the proxy reports, and
 * only when the request really comes from a trusted address.
 */
let daemon: DaemonHandle;
const HOST = 'edge.example.test';

beforeAll(async () => {
  daemon = await startDaemon();
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  const tree = await appWorkTree('hello');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/edge.git`, 'main');
  expect(push.code, push.stderr).toBe(0);
  await daemon.paasOk(['domains:add', 'edge', HOST]);
});

afterAll(async () => {
  await daemon?.destroy();
});

/** The request headers the app saw (busybox httpd's CGI environment), for a request carrying `headers`. */
function appSees(headers: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: daemon.httpPort, path: '/cgi-bin/env', headers: { Host: HOST, ...headers }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${body}`));
          resolve(
            Object.fromEntries(
              body
                .split('\n')
                .filter((l) => l.startsWith('HTTP_'))
                .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
            ),
          );
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const PROXY_HEADERS = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', 'CF-Connecting-IP': '198.51.100.7' };

describe('trusted proxies', () => {
  it('ignores forwarded client address and scheme from an untrusted peer (the default)', async () => {
    const seen = await appSees(PROXY_HEADERS);
    expect(seen.HTTP_X_REAL_IP).toBe('127.0.0.1');
    expect(seen.HTTP_X_FORWARDED_PROTO).toBe('http');
    expect(seen.HTTP_X_FORWARDED_FOR).toBe('203.0.113.9, 127.0.0.1');
  });

  it('believes X-Forwarded-For and X-Forwarded-Proto from a trusted proxy, and logs the client', async () => {
    const set = await daemon.paasOk(['nginx:set', '--global', 'trusted-proxies', '10.0.0.0/8,', '127.0.0.1']);
    expect(set).toContain('Setting trusted-proxies to 10.0.0.0/8 127.0.0.1/32');
    const seen = await appSees(PROXY_HEADERS);
    expect(seen.HTTP_X_REAL_IP).toBe('203.0.113.9');
    expect(seen.HTTP_X_FORWARDED_PROTO).toBe('https');
    // Without a forwarded scheme, the scheme nginx spoke.
    expect((await appSees({ 'X-Forwarded-For': '203.0.113.9' })).HTTP_X_FORWARDED_PROTO).toBe('http');
    const log = readFileSync(join(daemon.home, 'nginx/logs/edge-access.log'), 'utf8').trim().split('\n');
    expect(log.at(-1)).toMatch(/^203\.0\.113\.9 /);
    expect(await daemon.paasOk(['nginx:report', '--global', '--nginx-global-trusted-proxies'])).toBe('10.0.0.0/8 127.0.0.1/32\n');
  });

  it('takes the client from CF-Connecting-IP when real-ip-header says so', async () => {
    await daemon.paasOk(['nginx:set', '--global', 'real-ip-header', 'CF-Connecting-IP']);
    expect((await appSees(PROXY_HEADERS)).HTTP_X_REAL_IP).toBe('198.51.100.7');
  });

  it('stops believing a peer that is no longer trusted', async () => {
    await daemon.paasOk(['nginx:set', '--global', 'trusted-proxies', '10.0.0.0/8']);
    const seen = await appSees(PROXY_HEADERS);
    expect(seen.HTTP_X_REAL_IP).toBe('127.0.0.1');
    expect(seen.HTTP_X_FORWARDED_PROTO).toBe('http');
  });

  it('refuses bad addresses and a per-app value, changing nothing', async () => {
    const main = join(daemon.home, 'nginx/nginx.conf');
    const before = readFileSync(main, 'utf8');
    const bad = await daemon.paas(['nginx:set', '--global', 'trusted-proxies', '10.0.0.0/8', '300.1.1.1/8']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('invalid value "10.0.0.0/8 300.1.1.1/8" for trusted-proxies');
    const perApp = await daemon.paas(['nginx:set', 'edge', 'trusted-proxies', '10.0.0.0/8']);
    expect(perApp.code).not.toBe(0);
    expect(perApp.stderr).toContain('global only');
    const several = await daemon.paas(['nginx:set', 'edge', 'client-max-body-size', '1m', '2m']);
    expect(several.code).not.toBe(0);
    expect(readFileSync(main, 'utf8')).toBe(before);
    expect(await daemon.paasOk(['nginx:report', '--global', '--nginx-global-trusted-proxies'])).toBe('10.0.0.0/8\n');
  });
});
