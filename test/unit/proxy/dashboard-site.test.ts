import { describe, expect, it } from 'vitest';
import { requestScheme } from '../../../src/api/request-scheme.js';
import { apiUpstreamHost, dashboardDomain } from '../../../src/proxy/dashboard-state.js';
import { nginxLayout } from '../../../src/proxy/layout.js';
import { clashMessage } from '../../../src/proxy/proxy.js';
import { renderDashboardConfig, renderMainConfig } from '../../../src/proxy/render.js';
import { dashboardState } from './dashboard-fixture.js';

const layout = nginxLayout('/var/lib/paas/nginx');
const options = { listen: '0.0.0.0', layout };

const dashboard = dashboardState;

describe('renderDashboardConfig', () => {
  it('renders only a comment without a domain', () => {
    const text = renderDashboardConfig(undefined, options);
    expect(text).not.toContain('server {');
    expect(text).toContain('No dashboard domain');
  });

  it('proxies the domain on http to the API server, passing Host and the scheme nginx spoke, unbuffered', () => {
    const text = renderDashboardConfig(dashboard(), options);
    expect(text).toContain('listen 0.0.0.0:80;');
    expect(text).toContain('server_name paas.example.com;');
    expect(text).toContain('proxy_pass http://127.0.0.1:8765;');
    expect(text).toContain('proxy_set_header Host $http_host;');
    expect(text).toContain('proxy_set_header X-Forwarded-Proto $paas_forwarded_proto;');
    expect(text).toContain('proxy_buffering off;');
    expect(text).not.toContain('ssl');
  });

  it('with a certificate: https proxies (to a TLS API server over https), http only redirects and answers challenges', () => {
    const text = renderDashboardConfig(
      dashboard({
        cert: {
          crt: '/var/lib/paas/nginx/certs/_dashboard/ab12cd34/server.crt',
          key: '/var/lib/paas/nginx/certs/_dashboard/ab12cd34/server.key',
        },
        httpsPort: 8443,
        api: { host: '10.0.0.5', port: 8765, tls: true },
        challenges: [
          { token: 'tok', keyAuthorization: 'tok.thumb' },
          { token: 'bad token', keyAuthorization: 'x' },
        ],
      }),
      options,
    );
    const [http, https] = text.split('server {').slice(1);
    expect(http).toContain('return 301 https://$host:8443$request_uri;');
    expect(http).toContain('location = /.well-known/acme-challenge/tok {');
    expect(http).not.toContain('proxy_pass');
    expect(text).not.toContain('bad token');
    expect(https).toContain('listen 0.0.0.0:8443 ssl http2;');
    expect(https).toContain('ssl_certificate "/var/lib/paas/nginx/certs/_dashboard/ab12cd34/server.crt";');
    expect(https).toContain('proxy_pass https://10.0.0.5:8765;');
    expect(https).toContain('limit_conn paas_dashboard_conn 32;');
  });

  it('holds each client address to PAAS_MAX_CONNECTIONS_PER_ADDRESS, refusing more with a 429 that says why', () => {
    const text = renderDashboardConfig(dashboard({ perAddress: 3 }), options);
    const proxied = text.slice(text.indexOf('  location / {'));
    expect(proxied).toContain('limit_conn paas_dashboard_conn 3;');
    expect(proxied).toContain('limit_conn_status 429;');
    expect(text).toContain('error_page 429 @paas_too_many_connections;');
    expect(text).toMatch(
      /location @paas_too_many_connections \{\n {4}default_type text\/plain;\n {4}return 429 "too many open connections from your address to the dashboard \(at most 3\)/,
    );
    // ACME challenges are answered whatever a client holds.
    const challenge = renderDashboardConfig(dashboard({ challenges: [{ token: 'tok', keyAuthorization: 'tok.t' }] }), options);
    const answer = challenge.slice(challenge.indexOf('location = /.well-known'), challenge.indexOf('location @'));
    expect(answer).not.toContain('limit_conn');
    // The zone is declared in the http context, counting the client address (after real_ip).
    expect(renderMainConfig({ layout, includes: [] })).toContain('  limit_conn_zone $binary_remote_addr zone=paas_dashboard_conn:10m;');
  });
});

describe('the dashboard domain', () => {
  it('is reached on loopback when the API listens everywhere', () => {
    expect(apiUpstreamHost('0.0.0.0')).toBe('127.0.0.1');
    expect(apiUpstreamHost('::')).toBe('127.0.0.1');
    expect(apiUpstreamHost('10.0.0.5')).toBe('10.0.0.5');
  });

  it('reads only a valid, non-wildcard stored domain', () => {
    const reader = (value: string | undefined) => ({ get: () => value, all: () => ({}) });
    expect(dashboardDomain(reader('Paas.Example.com'))).toBe('paas.example.com');
    expect(dashboardDomain(reader('*.example.com'))).toBeUndefined();
    expect(dashboardDomain(reader('bad name'))).toBeUndefined();
    expect(dashboardDomain(reader(undefined))).toBeUndefined();
  });

  it('clashes are named from the side of the change', () => {
    expect(clashMessage('paas.example.com', ['_dashboard', 'blog'], 'blog')).toContain("is the dashboard's");
    expect(clashMessage('paas.example.com', ['_dashboard', 'blog'], undefined)).toContain(
      'already used by app "blog"; remove it there first: paas domains:remove blog paas.example.com',
    );
    expect(clashMessage('x.example.com', ['blog', 'shop'], 'shop')).toContain('already used by app "blog"');
  });
});

describe('requestScheme', () => {
  it('believes X-Forwarded-Proto only from loopback (the managed nginx)', () => {
    expect(requestScheme({ encrypted: false, remoteAddress: '127.0.0.1', forwardedProto: 'https', proxyAddress: '127.0.0.1' })).toBe(
      'https',
    );
    expect(requestScheme({ encrypted: false, remoteAddress: '::ffff:127.0.0.1', forwardedProto: 'https', proxyAddress: '127.0.0.1' })).toBe(
      'https',
    );
    expect(requestScheme({ encrypted: true, remoteAddress: '127.0.0.1', forwardedProto: 'http', proxyAddress: '127.0.0.1' })).toBe('http');
    // A client connecting directly cannot claim https, nor deny it.
    expect(requestScheme({ encrypted: false, remoteAddress: '203.0.113.7', forwardedProto: 'https', proxyAddress: '127.0.0.1' })).toBe(
      'http',
    );
    expect(requestScheme({ encrypted: true, remoteAddress: '203.0.113.7', forwardedProto: 'http', proxyAddress: '127.0.0.1' })).toBe(
      'https',
    );
    expect(requestScheme({ encrypted: false, remoteAddress: '127.0.0.1', forwardedProto: 'gopher', proxyAddress: '127.0.0.1' })).toBe(
      'http',
    );
  });

  it('also believes it from the one address PAAS_LISTEN names, where nginx then connects from', () => {
    expect(requestScheme({ encrypted: false, remoteAddress: '10.0.0.5', forwardedProto: 'https', proxyAddress: '10.0.0.5' })).toBe('https');
    expect(requestScheme({ encrypted: false, remoteAddress: '10.0.0.6', forwardedProto: 'https', proxyAddress: '10.0.0.5' })).toBe('http');
  });
});
