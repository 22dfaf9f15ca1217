import { describe, expect, it } from 'vitest';
import { requestScheme } from '../../../src/api/request-scheme.js';
import { apiUpstreamHost, dashboardDomain } from '../../../src/proxy/dashboard-state.js';
import { nginxLayout } from '../../../src/proxy/layout.js';
import { resolveNginxSettings } from '../../../src/proxy/nginx-settings.js';
import { clashMessage } from '../../../src/proxy/proxy.js';
import { renderDashboardConfig, type DashboardProxyState } from '../../../src/proxy/render.js';

const layout = nginxLayout('/var/lib/paas/nginx');
const options = { listen: '0.0.0.0', layout };

function dashboard(overrides: Partial<DashboardProxyState> = {}): DashboardProxyState {
  return {
    name: '_dashboard',
    domain: 'paas.example.com',
    httpPort: 80,
    httpsPort: 443,
    api: { host: '127.0.0.1', port: 8765, tls: false },
    cert: undefined,
    settings: resolveNginxSettings({}, {}),
    ...overrides,
  };
}

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
    expect(requestScheme({ encrypted: false, remoteAddress: '127.0.0.1', forwardedProto: 'https' })).toBe('https');
    expect(requestScheme({ encrypted: false, remoteAddress: '::ffff:127.0.0.1', forwardedProto: 'https' })).toBe('https');
    expect(requestScheme({ encrypted: true, remoteAddress: '127.0.0.1', forwardedProto: 'http' })).toBe('http');
    // A client connecting directly cannot claim https, nor deny it.
    expect(requestScheme({ encrypted: false, remoteAddress: '203.0.113.7', forwardedProto: 'https' })).toBe('http');
    expect(requestScheme({ encrypted: true, remoteAddress: '203.0.113.7', forwardedProto: 'http' })).toBe('https');
    expect(requestScheme({ encrypted: false, remoteAddress: '127.0.0.1', forwardedProto: 'gopher' })).toBe('http');
  });
});
