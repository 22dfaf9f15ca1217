import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PROXY_KEYS,
  loadAppState,
  publishedPorts,
  serializeDomains,
  serializePortMap,
  type StateContext,
} from '../../../src/proxy/app-state.js';
import { publishedUrls } from '../../../src/proxy/app-urls.js';
import { isRouted, isServed } from '../../../src/proxy/render.js';
import { nginxLayout } from '../../../src/proxy/layout.js';
import { PendingProperties } from '../../../src/proxy/pending-properties.js';
import { parsePortMapping } from '../../../src/proxy/port-map.js';
import { Store } from '../../../src/store/store.js';

let store: Store;
let app: { id: number; name: string };
const layout = nginxLayout('/srv/paas/nginx');

function context(reader: StateContext['reader'], releasePort?: number): StateContext {
  return { reader, layout, httpPort: 80, httpsPort: 443, defaultGlobalDomain: 'Example.COM', releasePort: () => releasePort };
}

beforeEach(() => {
  store = Store.open(':memory:');
  app = store.apps.create('blog');
});
afterEach(() => store.close());

describe('loadAppState', () => {
  it('starts from the defaults: APP.PAAS_DOMAIN, http:80 to the release port, no upstreams', () => {
    expect(loadAppState(context(store.properties, 3000), app)).toEqual({
      name: 'blog',
      domains: ['blog.example.com'],
      ports: [{ scheme: 'http', host: 80, container: 3000 }],
      upstreams: [],
      cert: undefined,
      settings: {
        'client-max-body-size': '1m',
        'proxy-connect-timeout': '2s',
        'proxy-read-timeout': '60s',
        'proxy-buffering': 'on',
        hsts: 'true',
        'trusted-proxies': '',
        'real-ip-header': 'x-forwarded-for',
      },
      challenges: [],
      proxyDisabled: false,
      vhostsDisabled: false,
      configCleared: false,
    });
  });

  it('after proxy:clear-config: still routed (its domains stay its own) but not served', () => {
    store.properties.set(app.id, PROXY_KEYS.cleared.namespace, PROXY_KEYS.cleared.key, 'true');
    const state = loadAppState(context(store.properties, 3000), app);
    expect(isRouted(state)).toBe(true);
    expect(isServed(state)).toBe(false);
    store.properties.set(app.id, PROXY_KEYS.cleared.namespace, PROXY_KEYS.cleared.key, undefined);
    expect(isServed(loadAppState(context(store.properties, 3000), app))).toBe(true);
  });

  it('with the proxy disabled: not routed, and its ports are the ones its web container publishes', () => {
    const { properties } = store;
    properties.set(app.id, PROXY_KEYS.ports.namespace, PROXY_KEYS.ports.key, serializePortMap([parsePortMapping('http:8080:5000')]));
    properties.set(app.id, PROXY_KEYS.disabled.namespace, PROXY_KEYS.disabled.key, 'true');
    const state = loadAppState(context(properties, 3000), app);
    expect(isRouted(state)).toBe(false);
    expect(publishedPorts(properties, app.id)).toEqual([{ scheme: 'http', host: 8080, container: 5000 }]);
    expect(publishedUrls(state, '127.0.0.1')).toEqual(['http://127.0.0.1:8080']);
  });

  it('with domains disabled: served on its proxy-port only, to the container port of its mappings', () => {
    const { properties } = store;
    properties.set(app.id, PROXY_KEYS.ports.namespace, PROXY_KEYS.ports.key, serializePortMap([parsePortMapping('http:8080:3000')]));
    properties.set(app.id, PROXY_KEYS.vhostsDisabled.namespace, PROXY_KEYS.vhostsDisabled.key, 'true');
    properties.set(null, PROXY_KEYS.proxyPort.namespace, PROXY_KEYS.proxyPort.key, '12000');
    const state = loadAppState(context(properties, 5000), app);
    expect(state.vhostsDisabled).toBe(true);
    expect(state.ports).toEqual([{ scheme: 'http', host: 12000, container: 3000 }]);
    expect(isRouted(state)).toBe(true);
  });

  it('reads every stored setting, and ignores stored values that do not validate', () => {
    const { properties } = store;
    properties.set(app.id, PROXY_KEYS.domains.namespace, PROXY_KEYS.domains.key, '["blog.com","evil.com; return 200"]');
    properties.set(app.id, PROXY_KEYS.useGlobal.namespace, PROXY_KEYS.useGlobal.key, 'off');
    properties.set(app.id, PROXY_KEYS.ports.namespace, PROXY_KEYS.ports.key, serializePortMap([parsePortMapping('http:8080:5000')]));
    properties.set(app.id, PROXY_KEYS.cert.namespace, PROXY_KEYS.cert.key, 'abcdef0123456789');
    properties.set(app.id, PROXY_KEYS.upstreams.namespace, PROXY_KEYS.upstreams.key, '[{"host":"10.1.0.2","port":5000}]');
    properties.set(null, 'nginx', 'proxy-buffering', 'off');
    const state = loadAppState(context(properties), app);
    expect(state.domains).toEqual(['blog.com']);
    expect(state.ports.map((m) => `${m.scheme}:${m.host}`)).toEqual(['http:8080']);
    expect(state.cert).toEqual({
      crt: '/srv/paas/nginx/certs/blog/abcdef0123456789/server.crt',
      key: '/srv/paas/nginx/certs/blog/abcdef0123456789/server.key',
    });
    expect(state.upstreams).toEqual([{ host: '10.1.0.2', port: 5000 }]);
    expect(state.settings['proxy-buffering']).toBe('off');
  });

  it('takes the container port from the upstreams first', () => {
    store.properties.set(app.id, PROXY_KEYS.upstreams.namespace, PROXY_KEYS.upstreams.key, '[{"host":"10.1.0.2","port":8000}]');
    expect(loadAppState(context(store.properties, 3000), app).ports).toEqual([{ scheme: 'http', host: 80, container: 8000 }]);
  });

  it('treats a cleared global domain as none, over PAAS_DOMAIN', () => {
    store.properties.set(null, PROXY_KEYS.global.namespace, PROXY_KEYS.global.key, '');
    expect(loadAppState(context(store.properties), app).domains).toEqual([]);
  });
});

describe('PendingProperties', () => {
  it('is read through before it is stored, then commits in one go and can be undone', () => {
    const { namespace, key } = PROXY_KEYS.domains;
    store.properties.set(app.id, namespace, key, serializeDomains(['old.test']));
    const pending = new PendingProperties(store);
    pending.set(app.id, namespace, key, serializeDomains(['new.test']));
    pending.set(null, 'nginx', 'hsts', 'false');
    expect(loadAppState(context(pending), app).domains).toEqual(['blog.example.com', 'new.test']);
    expect(loadAppState(context(pending), app).settings.hsts).toBe('false');
    expect(loadAppState(context(store.properties), app).domains).toEqual(['blog.example.com', 'old.test']);

    const undo = pending.commit();
    expect(store.properties.get(app.id, namespace, key)).toBe('["new.test"]');
    expect(store.properties.get(null, 'nginx', 'hsts')).toBe('false');
    undo();
    expect(store.properties.get(app.id, namespace, key)).toBe('["old.test"]');
    expect(store.properties.get(null, 'nginx', 'hsts')).toBeUndefined();
  });

  it('hides values it unsets', () => {
    store.properties.set(null, 'nginx', 'hsts', 'false');
    const pending = new PendingProperties(store);
    pending.set(null, 'nginx', 'hsts', undefined);
    expect(pending.all(null, 'nginx')).toEqual({});
    expect(pending.get(null, 'nginx', 'hsts')).toBeUndefined();
  });
});
