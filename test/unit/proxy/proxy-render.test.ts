import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { routedUrls } from '../../../src/proxy/app-urls.js';
import { diffTrees } from '../../../src/proxy/config-tree.js';
import { nginxLayout } from '../../../src/proxy/layout.js';
import { fatalLogLine, nginxComplaint } from '../../../src/proxy/nginx-process.js';
import { resolveNginxSettings } from '../../../src/proxy/nginx-settings.js';
import { parsePortMapping } from '../../../src/proxy/port-map.js';
import {
  isRouted,
  listenPorts,
  quote,
  renderAppConfig,
  renderControlServer,
  renderDashboardConfig,
  renderDefaultServers,
  renderMainConfig,
  type AppProxyState,
} from '../../../src/proxy/render.js';
import { findAccount, groupName } from '../../../src/proxy/nginx-worker.js';
import { dashboardState } from './dashboard-fixture.js';

const layout = nginxLayout('/var/lib/paas/nginx');
const options = { listen: '0.0.0.0', layout };

function app(overrides: Partial<AppProxyState> = {}): AppProxyState {
  return {
    name: 'blog',
    domains: ['blog.example.com', '*.blog.test'],
    ports: [parsePortMapping('http:80:5000')],
    upstreams: [
      { host: '172.18.0.3', port: 5000 },
      { host: '172.18.0.2', port: 5000 },
    ],
    cert: undefined,
    settings: resolveNginxSettings({}, {}),
    ...overrides,
  };
}

describe('domains:disable and proxy:disable in the rendering', () => {
  it("an app with domains disabled is its port's default server, for any host name", () => {
    const state = app({ vhostsDisabled: true, ports: [parsePortMapping('http:12000:5000')] });
    const text = renderAppConfig(state, options);
    expect(text).toContain('listen 0.0.0.0:12000 default_server;');
    expect(text).toContain('server_name _;');
    expect(text).not.toContain('blog.example.com');
    expect(listenPorts([state], 80, 443)).toEqual({ http: [80], https: [443] });
  });

  it('an app with its proxy disabled is not rendered at all', () => {
    expect(isRouted(app({ proxyDisabled: true }))).toBe(false);
    expect(isRouted(app({ vhostsDisabled: true, domains: [] }))).toBe(true);
    expect(listenPorts([app({ proxyDisabled: true, ports: [parsePortMapping('http:8080:5000')] })], 80, 443)).toEqual({
      http: [80],
      https: [443],
    });
  });
});

describe('renderAppConfig', () => {
  it('answers ACME http-01 challenges on every server block, before the https redirect', () => {
    const text = renderAppConfig(
      app({
        ports: [parsePortMapping('http:80:5000'), parsePortMapping('https:443:5000')],
        cert: { crt: '/c/server.crt', key: '/c/server.key' },
        challenges: [
          { token: 'tok_1', keyAuthorization: 'tok_1.thumb-2' },
          { token: 'bad"', keyAuthorization: 'bad".x' },
        ],
      }),
      options,
    );
    const answer = '  location = /.well-known/acme-challenge/tok_1 {\n    default_type text/plain;\n    return 200 "tok_1.thumb-2";\n  }';
    expect(text.split(answer)).toHaveLength(3);
    expect(text.indexOf(answer)).toBeLessThan(text.indexOf('return 301 https://'));
    expect(text).not.toContain('bad"');
  });

  it('proxies every domain to every web container, with keepalive, forwarded headers and websockets', () => {
    const text = renderAppConfig(app(), options);
    expect(text).toContain('upstream paas-blog-5000 {\n  server 172.18.0.3:5000;\n  server 172.18.0.2:5000;\n  keepalive 16;\n}');
    expect(text).toContain('  listen 0.0.0.0:80;\n  server_name blog.example.com *.blog.test;');
    for (const line of [
      'proxy_pass http://paas-blog-5000;',
      'proxy_http_version 1.1;',
      'proxy_set_header Host $http_host;',
      'proxy_set_header Upgrade $http_upgrade;',
      'proxy_set_header Connection $paas_connection_upgrade;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto $paas_forwarded_proto;',
      'proxy_set_header X-Forwarded-Port $server_port;',
      'proxy_set_header X-Request-Start "t=${msec}";',
      'client_max_body_size 1m;',
      'proxy_connect_timeout 2s;',
      'proxy_read_timeout 60s;',
      'proxy_buffering on;',
      'access_log "/var/lib/paas/nginx/logs/blog-access.log" paas;',
    ]) {
      expect(text).toContain(line);
    }
  });

  it('is a pure function of the state: same state, same bytes', () => {
    expect(renderAppConfig(app(), options)).toBe(renderAppConfig(app(), options));
  });

  it('answers 502 with a clear page when no web container runs', () => {
    const text = renderAppConfig(app({ upstreams: [] }), options);
    expect(text).not.toContain('upstream');
    expect(text).toContain('return 502 "502 Bad Gateway: blog has no running web process; deploy it with: git push paas main\\n";');
  });

  it('renders nothing routable without domains', () => {
    const text = renderAppConfig(app({ domains: [] }), options);
    expect(text).not.toMatch(/^\s*server/m);
    expect(text).toContain('paas domains:add blog DOMAIN');
  });

  it('with a certificate: https with the cert and HSTS, and http redirects to it', () => {
    const text = renderAppConfig(
      app({
        ports: [parsePortMapping('http:8080:5000'), parsePortMapping('https:8443:5000')],
        cert: { crt: '/c/server.crt', key: '/c/server.key' },
      }),
      options,
    );
    expect(text).toContain('listen 0.0.0.0:8443 ssl http2;');
    expect(text).toContain('ssl_certificate "/c/server.crt";\n  ssl_certificate_key "/c/server.key";');
    expect(text).toContain('add_header Strict-Transport-Security "max-age=15724800" always;');
    expect(text).toContain('return 301 https://$host:8443$request_uri;');
    const hstsOff = renderAppConfig(
      app({
        ports: [parsePortMapping('http:80:5000'), parsePortMapping('https:443:5000')],
        cert: { crt: '/c/server.crt', key: '/c/server.key' },
        settings: resolveNginxSettings({ hsts: 'false' }, {}),
      }),
      options,
    );
    expect(hstsOff).not.toContain('Strict-Transport-Security');
    expect(hstsOff).toContain('return 301 https://$host$request_uri;');
  });

  it('uses the mapping container port for the upstream, and brackets IPv6', () => {
    const text = renderAppConfig(app({ ports: [parsePortMapping('http:80:3000')], upstreams: [{ host: 'fd00::5', port: 5000 }] }), {
      listen: '::',
      layout,
    });
    expect(text).toContain('upstream paas-blog-3000 {\n  server [fd00::5]:3000;');
    expect(text).toContain('listen [::]:80;');
  });

  it('marks old containers kept during a rollout as backup servers', () => {
    const text = renderAppConfig(
      app({
        upstreams: [
          { host: '172.18.0.4', port: 5000 },
          { host: '172.18.0.2', port: 5000, backup: true },
        ],
      }),
      options,
    );
    expect(text).toContain('  server 172.18.0.4:5000;\n  server 172.18.0.2:5000 backup;\n');
  });
});

describe('default and main config', () => {
  it('listens on the configured ports and every mapped one, with a 404 default server', () => {
    const ports = listenPorts(
      [app({ ports: [parsePortMapping('http:8080:5000')] }), app({ name: 'x', domains: [], ports: [parsePortMapping('http:9090:5000')] })],
      80,
      443,
    );
    expect(ports).toEqual({ http: [80, 8080], https: [443] });
    const text = renderDefaultServers(ports, options);
    expect(text).toContain('listen 0.0.0.0:8080 default_server;');
    expect(text).toContain('return 404 "404 Not Found: no app is served at this address (paas)\\n";');
    expect(text).toContain('listen 0.0.0.0:443 ssl http2 default_server;\n  server_name _;\n  ssl_reject_handshake on;');
  });

  it('caps how long old workers linger and keeps everything under the prefix', () => {
    const text = renderMainConfig({ layout, includes: ['/var/lib/paas/nginx/apps/*.conf'] });
    expect(text).toContain('worker_shutdown_timeout 30s;');
    expect(text).toContain('pid "/var/lib/paas/nginx/nginx.pid";');
    expect(text).toContain('include "/var/lib/paas/nginx/apps/*.conf";');
    expect(text).toContain('proxy_temp_path "/var/lib/paas/nginx/tmp/proxy";');
    expect(text).not.toMatch(/^user /m);
  });

  it('runs workers as the unprivileged user, with their temp files outside PAAS_HOME', () => {
    const worker = { user: 'paas-nginx', group: 'paas-nginx', tempDir: '/var/lib/paas-nginx/a1b2c3d4' };
    const text = renderMainConfig({ layout, includes: [], worker });
    expect(text).toMatch(/^user paas-nginx paas-nginx;$/m);
    expect(text).not.toContain('user root');
    expect(text).toContain('client_body_temp_path "/var/lib/paas-nginx/a1b2c3d4/client_body";');
    expect(text).toContain('proxy_temp_path "/var/lib/paas-nginx/a1b2c3d4/proxy";');
  });

  it('believes client address and scheme headers only from trusted proxies', () => {
    const none = renderMainConfig({ layout, includes: [] });
    expect(none).not.toContain('set_real_ip_from');
    expect(none).toContain('  geo $realip_remote_addr $paas_trusted_proxy {\n    default 0;\n  }');
    expect(none).toContain('    default $scheme;\n    "~*^1:(?<proto>https?)$" $proto;');
    const text = renderMainConfig({
      layout,
      includes: [],
      clientAddress: { trustedProxies: ['173.245.48.0/20', '::1/128'], realIpHeader: 'cf-connecting-ip' },
    });
    expect(text).toContain('    default 0;\n    173.245.48.0/20 1;\n    ::1/128 1;\n  }');
    expect(text).toContain(
      '  set_real_ip_from 173.245.48.0/20;\n  set_real_ip_from ::1/128;\n  real_ip_header cf-connecting-ip;\n  real_ip_recursive on;',
    );
  });

  it('refuses paths nginx would misread', () => {
    expect(() => quote('/var/lib/pa"as')).toThrow(/characters nginx would misread/);
    expect(() => quote('/var/lib/$paas')).toThrow();
    expect(() => quote('/var/lib/pa;as')).toThrow();
    expect(quote('/var/lib/my paas')).toBe('"/var/lib/my paas"');
  });
});

describe('routedUrls', () => {
  it('lists each non-wildcard domain, with the port when it is not the default', () => {
    expect(routedUrls(app())).toEqual(['http://blog.example.com']);
    expect(routedUrls(app({ ports: [parsePortMapping('http:8080:5000')] }))).toEqual(['http://blog.example.com:8080']);
    expect(
      routedUrls(app({ ports: [parsePortMapping('http:80:5000'), parsePortMapping('https:443:5000')], cert: { crt: 'c', key: 'k' } })),
    ).toEqual(['https://blog.example.com']);
    expect(routedUrls(app({ domains: [] }))).toEqual([]);
  });
});

describe('diffTrees', () => {
  it('lists changed, new and removed files only', () => {
    const live = new Map([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
    const desired = new Map([
      ['a', '1'],
      ['b', '20'],
      ['d', '4'],
    ]);
    expect(diffTrees(desired, live)).toEqual([
      { path: 'b', content: '20' },
      { path: 'd', content: '4' },
      { path: 'c', content: undefined },
    ]);
  });
});

describe('nginx output', () => {
  it('keeps the line that says what is wrong', () => {
    const stderr =
      'nginx: [emerg] unknown directive "retur" in /var/lib/paas/nginx/apps/blog.conf.new:12\n' +
      'nginx: configuration file /var/lib/paas/nginx/nginx.check.conf test failed\n';
    expect(nginxComplaint(stderr)).toBe('unknown directive "retur" in /var/lib/paas/nginx/apps/blog.conf:12');
  });

  it('waits through bind() retries and reports the final failure', () => {
    const retrying = '2026/01/01 00:00:00 [emerg] 10#10: bind() to 0.0.0.0:80 failed (98: Address already in use)\n';
    expect(fatalLogLine(retrying)).toBeUndefined();
    expect(fatalLogLine(`${retrying}2026/01/01 00:00:02 [emerg] 10#10: still could not bind()\n`)).toBe(
      'bind() to 0.0.0.0:80 failed (98: Address already in use)',
    );
    expect(fatalLogLine('2026/01/01 00:00:00 [notice] 10#10: start worker processes\n')).toBeUndefined();
  });
});

const NGINX = '/usr/sbin/nginx';
const scratch = mkdtempSync(join(tmpdir(), 'paas-render-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!existsSync(NGINX))('rendered configs pass nginx -t', () => {
  it('accepts a tree with plain, TLS, wildcard, IPv6 and unrouted apps', () => {
    const local = nginxLayout(scratch);
    for (const dir of [local.appsDir, local.confDir, local.logsDir, local.tmpDir, join(scratch, 'c')]) mkdirSync(dir, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=t.test',
        '-keyout',
        join(scratch, 'c/k'),
        '-out',
        join(scratch, 'c/c'),
      ],
      { stdio: 'ignore' },
    );
    const opts = { listen: '127.0.0.1', layout: local };
    const apps = [
      app({ ports: [parsePortMapping('http:18080:5000')] }),
      app({
        name: 'shop',
        domains: ['shop.test'],
        ports: [parsePortMapping('http:18080:5000'), parsePortMapping('https:18443:5000')],
        cert: { crt: join(scratch, 'c/c'), key: join(scratch, 'c/k') },
        upstreams: [{ host: 'fd00::5', port: 5000 }],
        challenges: [{ token: 'tok-1', keyAuthorization: 'tok-1.thumb_2' }],
      }),
      app({ name: 'idle', domains: ['idle.test'], ports: [parsePortMapping('http:18080:5000')], upstreams: [] }),
      app({ name: 'hidden', domains: [] }),
    ];
    for (const state of apps) writeFileSync(join(local.appsDir, `${state.name}.conf`), renderAppConfig(state, opts));
    writeFileSync(join(local.confDir, 'default.conf'), renderDefaultServers(listenPorts(apps, 18080, 18443), opts));
    writeFileSync(join(local.confDir, 'control.conf'), renderControlServer(local, 'g1'));
    writeFileSync(
      join(local.confDir, 'dashboard.conf'),
      renderDashboardConfig(dashboardState({ domain: 'paas.test', httpPort: 18080, httpsPort: 18443, perAddress: 3 }), opts),
    );
    const includes = [
      join(local.confDir, 'control.conf'),
      join(local.confDir, 'default.conf'),
      join(local.confDir, 'dashboard.conf'),
      join(local.appsDir, '*.conf'),
    ];
    const clientAddress = { trustedProxies: ['10.0.0.0/8', '2400:cb00::/32'], realIpHeader: 'cf-connecting-ip' };
    writeFileSync(local.mainConf, renderMainConfig({ layout: local, includes, clientAddress }));
    const result = spawnSync(NGINX, ['-t', '-c', local.mainConf, '-p', `${scratch}/`, '-e', local.errorLog], { encoding: 'utf8' });
    expect(result.stderr).not.toMatch(/\[(warn|emerg|alert)\]/);
    expect(result.status, result.stderr).toBe(0);
  });
});

describe('nginx worker account', () => {
  it('reads uid, gid and group name from the passwd and group files', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\npaas-nginx:x:998:997::/nonexistent:/usr/sbin/nologin\n';
    expect(findAccount(passwd, 'paas-nginx')).toEqual({ uid: 998, gid: 997 });
    expect(findAccount(passwd, 'paas')).toBeUndefined();
    expect(groupName('root:x:0:\npaas-nginx:x:997:\n', 997)).toBe('paas-nginx');
    expect(groupName('root:x:0:\n', 997)).toBeUndefined();
  });
});
