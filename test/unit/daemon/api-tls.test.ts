import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPin, knownHostsFile, normalizeFingerprint } from '../../../src/cli/known-hosts.js';
import { targetFromEnv } from '../../../src/cli/target.js';
import { apiTls, isLoopback } from '../../../src/daemon/settings.js';

const FP = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const OTHER = `FF${FP.slice(2)}`;
const dir = mkdtempSync(join(tmpdir(), 'paas-known-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which API ports speak TLS', () => {
  it('does unless bound to loopback, or told otherwise', () => {
    expect(apiTls({}, '0.0.0.0')).toBe(true);
    expect(apiTls({}, '192.168.1.10')).toBe(true);
    expect(apiTls({}, '127.0.0.1')).toBe(false);
    expect(apiTls({}, '::1')).toBe(false);
    expect(apiTls({ PAAS_API_INSECURE: '1' }, '0.0.0.0')).toBe(false);
    expect(apiTls({ PAAS_API_TLS: '1' }, '127.0.0.1')).toBe(true);
    expect(() => apiTls({ PAAS_API_TLS: '1', PAAS_API_INSECURE: '1' }, '0.0.0.0')).toThrow(/contradict/);
    expect(isLoopback('127.3.2.1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
});

describe('pinning the API certificate', () => {
  it('reads fingerprints in the forms people paste', () => {
    expect(normalizeFingerprint(FP.toLowerCase())).toBe(FP);
    expect(normalizeFingerprint(FP.replaceAll(':', ''))).toBe(FP);
    expect(normalizeFingerprint(`SHA256:${FP}`)).toBe(FP);
    expect(() => normalizeFingerprint('AB:CD')).toThrow(/PAAS_API_FINGERPRINT must be a SHA-256 fingerprint/);
  });

  it('trusts on first use, then only the same certificate', () => {
    const file = join(dir, 'a', 'known_api_hosts');
    const notices: string[] = [];
    checkPin('srv:8765', FP, { knownHostsFile: file }, (line) => notices.push(line));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`first connection to srv:8765: trusting its API certificate SHA-256 ${FP}`);
    expect(readFileSync(file, 'utf8')).toBe(`srv:8765 ${FP}\n`);
    checkPin('srv:8765', FP, { knownHostsFile: file }, (line) => notices.push(line));
    expect(notices).toHaveLength(1);
    expect(() => checkPin('srv:8765', OTHER, { knownHostsFile: file }, () => undefined)).toThrow(
      /presented a different certificate than before/,
    );
    checkPin('other:8765', OTHER, { knownHostsFile: file }, () => undefined);
    expect(readFileSync(file, 'utf8')).toBe(`srv:8765 ${FP}\nother:8765 ${OTHER}\n`);
  });

  it('accepts only PAAS_API_FINGERPRINT when it is set', () => {
    const file = join(dir, 'b', 'known_api_hosts');
    expect(() => checkPin('srv:8765', OTHER, { fingerprint: FP, knownHostsFile: file }, () => undefined)).toThrow(
      /not PAAS_API_FINGERPRINT/,
    );
    checkPin('srv:8765', FP, { fingerprint: FP, knownHostsFile: file }, () => undefined);
  });

  it('pins https targets, and refuses a pin for http or an unknown scheme', () => {
    const env = { PAAS_API_URL: 'https://srv:8765', PAAS_API_TOKEN: 't', XDG_CONFIG_HOME: '/cfg' };
    expect(targetFromEnv(env)).toMatchObject({ kind: 'http', tls: { knownHostsFile: '/cfg/paas/known_api_hosts' } });
    expect(knownHostsFile({ HOME: '/home/me' })).toBe('/home/me/.config/paas/known_api_hosts');
    expect(targetFromEnv({ ...env, PAAS_API_URL: 'http://127.0.0.1:8765' })).not.toHaveProperty('tls');
    expect(() => targetFromEnv({ ...env, PAAS_API_URL: 'http://srv:8765', PAAS_API_FINGERPRINT: FP })).toThrow(
      /use an https:\/\/ PAAS_API_URL/,
    );
    expect(() => targetFromEnv({ ...env, PAAS_API_URL: 'ftp://srv' })).toThrow(/must start with https:\/\//);
  });
});
