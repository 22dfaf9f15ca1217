import { describe, expect, it } from 'vitest';
import {
  effectivePortMap,
  privilegedPorts,
  formatPortMapping,
  mergePortMaps,
  parsePortMapping,
  publishClash,
  removeFromPortMap,
  reservedPorts,
  schemeClash,
} from '../../../src/proxy/port-map.js';
import { normalizeNginxSetting, resolveNginxSettings } from '../../../src/proxy/nginx-settings.js';
import { isValidUpstream, normalizeUpstreams, parseUpstreams } from '../../../src/proxy/upstreams.js';

describe('port mappings', () => {
  it('parses and formats scheme:host:container', () => {
    expect(parsePortMapping('http:80:5000')).toEqual({ scheme: 'http', host: 80, container: 5000 });
    expect(formatPortMapping(parsePortMapping('https:443:3000'))).toBe('https:443:3000');
  });

  it.each(['http:80', 'tcp:80:5000', 'http:0:5000', 'http:80:70000', 'http:80:5000:1', 'http:8o:5000', 'http: 80:5000', 'http:80:5000;'])(
    'refuses %s',
    (text) => expect(() => parsePortMapping(text)).toThrow(/invalid port mapping/),
  );

  it('merges by scheme and host port, and removes by mapping or host port', () => {
    const base = [parsePortMapping('http:80:5000'), parsePortMapping('http:8080:5000')];
    expect(mergePortMaps(base, [parsePortMapping('http:80:3000')]).map(formatPortMapping)).toEqual(['http:80:3000', 'http:8080:5000']);
    expect(removeFromPortMap(base, '8080').map(formatPortMapping)).toEqual(['http:80:5000']);
    expect(removeFromPortMap(base, 'http:80:5000').map(formatPortMapping)).toEqual(['http:8080:5000']);
  });

  it('defaults to http on the http port, and adds https on the https port with a certificate', () => {
    const input = { stored: undefined, containerPort: 5000, httpPort: 80, httpsPort: 443, hasCert: false };
    expect(effectivePortMap(input).map(formatPortMapping)).toEqual(['http:80:5000']);
    expect(effectivePortMap({ ...input, hasCert: true }).map(formatPortMapping)).toEqual(['http:80:5000', 'https:443:5000']);
    const stored = [parsePortMapping('http:80:5000'), parsePortMapping('https:8443:5000')];
    expect(effectivePortMap({ ...input, stored }).map(formatPortMapping)).toEqual(['http:80:5000']);
    expect(effectivePortMap({ ...input, stored, hasCert: true }).map(formatPortMapping)).toEqual(['http:80:5000', 'https:8443:5000']);
  });

  it('finds a port that would carry http and https, or a paas port', () => {
    const reserved = [
      { port: 80, scheme: 'http' as const, what: 'PAAS_HTTP_PORT' },
      { port: 8765, scheme: 'other' as const, what: 'the paas API' },
    ];
    expect(schemeClash([{ app: 'a', ports: [parsePortMapping('http:80:5000')] }], reserved)).toBeUndefined();
    expect(schemeClash([{ app: 'a', ports: [parsePortMapping('https:80:5000')] }], reserved)).toMatch(/port 80 carries http/);
    expect(schemeClash([{ app: 'a', ports: [parsePortMapping('http:8765:5000')] }], reserved)).toMatch(/taken by the paas API/);
    expect(
      schemeClash(
        [
          { app: 'a', ports: [parsePortMapping('http:9000:5000')] },
          { app: 'b', ports: [parsePortMapping('https:9000:5000')] },
        ],
        [],
      ),
    ).toMatch(/port 9000 carries http for app a, so b cannot use it for https/);
  });
});

describe('nginx settings', () => {
  it('accepts the values nginx takes, lowercased', () => {
    expect(normalizeNginxSetting('client-max-body-size', '50M')).toBe('50m');
    expect(normalizeNginxSetting('proxy-read-timeout', '120s')).toBe('120s');
    expect(normalizeNginxSetting('proxy-buffering', 'OFF')).toBe('off');
    expect(normalizeNginxSetting('hsts', 'false')).toBe('false');
  });

  it.each([
    ['client-max-body-size', '1m; return 200'],
    ['client-max-body-size', '5x'],
    ['proxy-read-timeout', '60s\n'],
    ['proxy-buffering', 'yes'],
    ['hsts', '1'],
  ] as const)('refuses %s %j', (key, value) => {
    expect(() => normalizeNginxSetting(key, value)).toThrow(/invalid value/);
  });

  it('resolves app, then global, then default', () => {
    expect(resolveNginxSettings({ 'client-max-body-size': '5m' }, { 'client-max-body-size': '9m', hsts: 'false' })).toEqual({
      'client-max-body-size': '5m',
      'proxy-connect-timeout': '2s',
      'proxy-read-timeout': '60s',
      'proxy-buffering': 'on',
      hsts: 'false',
      'trusted-proxies': '',
      'real-ip-header': 'x-forwarded-for',
    });
    expect(resolveNginxSettings({ 'proxy-buffering': 'bad;' }, {})['proxy-buffering']).toBe('on');
    // A stored list is used only in its canonical form (as nginx:set writes it).
    expect(resolveNginxSettings({}, { 'trusted-proxies': '10.0.0.0/8 ::1/128' })['trusted-proxies']).toBe('10.0.0.0/8 ::1/128');
    expect(resolveNginxSettings({}, { 'trusted-proxies': '10.0.0.0/8;' })['trusted-proxies']).toBe('');
  });
});

describe('upstreams', () => {
  it('only takes IP literals and real ports', () => {
    expect(isValidUpstream({ host: '172.18.0.2', port: 5000 })).toBe(true);
    expect(isValidUpstream({ host: 'fd00::2', port: 5000 })).toBe(true);
    expect(isValidUpstream({ host: 'web.internal', port: 5000 })).toBe(false);
    expect(isValidUpstream({ host: '1.2.3.4; return 200', port: 5000 })).toBe(false);
    expect(isValidUpstream({ host: '1.2.3.4', port: 0 })).toBe(false);
    expect(isValidUpstream({ host: '1.2.3.4', port: 5000.5 })).toBe(false);
  });

  it('sorts and dedupes, and drops what it cannot read back', () => {
    expect(
      normalizeUpstreams([
        { host: '10.0.0.10', port: 5000 },
        { host: '10.0.0.9', port: 5000 },
        { host: '10.0.0.9', port: 5000 },
      ]),
    ).toEqual([
      { host: '10.0.0.9', port: 5000 },
      { host: '10.0.0.10', port: 5000 },
    ]);
    expect(parseUpstreams('[{"host":"10.0.0.1","port":5000},{"host":"evil;","port":1}]')).toEqual([{ host: '10.0.0.1', port: 5000 }]);
    expect(parseUpstreams('not json')).toEqual([]);
  });

  it('keeps backups apart; a server listed as primary and backup is primary', () => {
    expect(
      normalizeUpstreams([
        { host: '10.0.0.2', port: 5000, backup: true },
        { host: '10.0.0.3', port: 5000 },
        { host: '10.0.0.3', port: 5000, backup: true },
      ]),
    ).toEqual([
      { host: '10.0.0.2', port: 5000, backup: true },
      { host: '10.0.0.3', port: 5000 },
    ]);
    expect(isValidUpstream({ host: '10.0.0.2', port: 5000, backup: 'yes' })).toBe(false);
    expect(parseUpstreams('[{"host":"10.0.0.2","port":5000,"backup":true}]')).toEqual([{ host: '10.0.0.2', port: 5000, backup: true }]);
  });
});

describe('privilegedPorts', () => {
  it('names host ports below 1024 other than the web ports', () => {
    const map = [
      { scheme: 'http' as const, host: 22, container: 5000 },
      { scheme: 'http' as const, host: 80, container: 5000 },
      { scheme: 'https' as const, host: 443, container: 5000 },
      { scheme: 'http' as const, host: 8080, container: 5000 },
      { scheme: 'http' as const, host: 81, container: 5000 },
    ];
    expect(privilegedPorts(map, [8080, 8443])).toEqual([22, 81]);
    expect(privilegedPorts(map, [81, 8443])).toEqual([22]);
  });
});

describe('publishClash', () => {
  const map = (...texts: string[]) => texts.map(parsePortMapping);
  const reserved = reservedPorts({ httpPort: 80, httpsPort: 443, apiPort: 8765, sshPort: 2222 });

  it("a published port belongs to its app alone: not nginx's, not paas's, not another app's", () => {
    expect(
      publishClash([{ app: 'a', ports: map('http:8080:5000') }], [{ app: 'b', ports: map('http:80:5000') }], reserved),
    ).toBeUndefined();
    expect(publishClash([{ app: 'a', ports: map('http:80:5000') }], [], reserved)).toContain(
      'a cannot have port 80 to itself: PAAS_HTTP_PORT uses it',
    );
    expect(publishClash([{ app: 'a', ports: map('http:8765:5000') }], [], reserved)).toContain('the paas API');
    expect(publishClash([{ app: 'a', ports: map('http:9000:5000') }], [{ app: 'b', ports: map('http:9000:5000') }], reserved)).toContain(
      'app b (through nginx) uses it',
    );
    expect(
      publishClash(
        [
          { app: 'a', ports: map('http:9000:5000') },
          { app: 'c', ports: map('https:9000:443') },
        ],
        [],
        reserved,
      ),
    ).toContain('c cannot have port 9000 to itself: app a uses it');
  });
});
