import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../../../src/proxy/app-state.js';
import { explainAcmeError, explainServerError } from '../../../../src/proxy/letsencrypt/acme-errors.js';
import { directoryUrl, validateGracePeriod, validateServer } from '../../../../src/proxy/letsencrypt/letsencrypt-settings.js';
import { formatDuration, renewalDue, retryDelayMs } from '../../../../src/proxy/letsencrypt/renewal.js';
import { isValidChallenge } from '../../../../src/proxy/render.js';

describe('letsencrypt settings', () => {
  it('maps server names to directories and keeps URLs', () => {
    expect(directoryUrl(undefined)).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(directoryUrl('staging')).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
    expect(validateServer('https://ca.example.com/dir')).toBe('https://ca.example.com/dir');
    expect(() => validateServer('http://ca.example.com/dir')).toThrow(/https/);
    expect(() => validateServer('nonsense')).toThrow(/production, staging/);
  });

  it('takes a grace period in whole seconds', () => {
    expect(validateGracePeriod('0604800')).toBe('604800');
    expect(() => validateGracePeriod('30d')).toThrow(/seconds/);
  });
});

describe('renewal schedule', () => {
  const expires = new Date('2030-01-31T00:00:00Z');
  it('is due once inside the grace period', () => {
    expect(renewalDue(expires, 30 * 86400, new Date('2029-12-31T00:00:00Z'))).toBe(false);
    expect(renewalDue(expires, 30 * 86400, new Date('2030-01-01T00:00:01Z'))).toBe(true);
  });
  it('backs off by doubling, at most a day', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, 3600_000))).toEqual([3600_000, 7200_000, 14400_000]);
    expect(retryDelayMs(40, 3600_000)).toBe(86400_000);
  });
  it('formats durations', () => {
    expect(formatDuration(-1)).toBe('now');
    expect(formatDuration((2 * 86400 + 3 * 3600) * 1000)).toBe('2d 3h');
    expect(formatDuration(42_000)).toBe('42s');
  });
});

describe('ACME errors explained', () => {
  it('names a domain that does not resolve', () => {
    expect(explainAcmeError('DNS problem: NXDOMAIN looking up A for x.example.com', 'x.example.com')).toMatch(
      /^x\.example\.com does not resolve/,
    );
  });
  it('names an unreachable port 80', () => {
    expect(explainAcmeError('Connection refused', 'x.example.com')).toMatch(/^port 80 of x\.example\.com cannot be reached/);
  });
  it('names a rate limit', () => {
    expect(explainAcmeError('urn:ietf:params:acme:error:rateLimited: too many certificates already issued')).toMatch(/rate limit/);
  });
  it('says when the ACME server itself cannot be reached', () => {
    expect(explainServerError('https://ca.test/dir', 'ECONNREFUSED')).toBe(
      'cannot reach the ACME server https://ca.test/dir: ECONNREFUSED',
    );
  });
});

describe('challenge answers', () => {
  it('only lets base64url tokens and their key authorization reach nginx', () => {
    expect(isValidChallenge({ token: 'abc_-1', keyAuthorization: 'abc_-1.thumb' })).toBe(true);
    expect(isValidChallenge({ token: 'abc', keyAuthorization: 'abd.thumb' })).toBe(false);
    expect(isValidChallenge({ token: 'a"b', keyAuthorization: 'a"b.t' })).toBe(false);
    expect(isValidChallenge({ token: 'abc', keyAuthorization: 'abc.t;return' })).toBe(false);
    expect(parseChallenges('[{"token":"t1","keyAuthorization":"t1.k"},{"token":"x y","keyAuthorization":"x y.k"}]')).toEqual([
      { token: 't1', keyAuthorization: 't1.k' },
    ]);
    expect(parseChallenges('not json')).toEqual([]);
  });
});

describe('trusted-proxies', () => {
  it('takes CIDRs and bare addresses, separated by spaces or commas, and refuses anything else', async () => {
    const { canonicalCidrs, normalizeNginxSetting } = await import('../../../../src/proxy/nginx-settings.js');
    expect(canonicalCidrs('173.245.48.0/20, 2400:CB00::/32 127.0.0.1')).toBe('173.245.48.0/20 2400:CB00::/32 127.0.0.1/32');
    expect(normalizeNginxSetting('trusted-proxies', '2400:CB00::/32')).toBe('2400:cb00::/32');
    for (const bad of ['300.1.1.1/8', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', 'cloudflare', '']) {
      expect(() => normalizeNginxSetting('trusted-proxies', bad)).toThrow(/invalid value/);
    }
    expect(normalizeNginxSetting('real-ip-header', 'CF-Connecting-IP')).toBe('cf-connecting-ip');
    expect(() => normalizeNginxSetting('real-ip-header', 'x-evil;')).toThrow(/invalid value/);
  });
});

describe('certifiable domains', () => {
  it('leaves out wildcards, which HTTP-01 cannot prove', async () => {
    const { certifiable } = await import('../../../../src/proxy/letsencrypt/letsencrypt.js');
    expect(certifiable(['blog.com', '*.blog.com', 'www.blog.com'])).toEqual(['blog.com', 'www.blog.com']);
  });
});
