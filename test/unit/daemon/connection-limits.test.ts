import { describe, expect, it } from 'vitest';
import { apiConnectionCap } from '../../../src/daemon/api-connection-cap.js';
import { DEFAULT_LIMITS, readLimits } from '../../../src/daemon/connection-guard.js';

describe('readLimits', () => {
  it('closes idle and never-logged-in clients well within a minute by default', () => {
    expect(readLimits({})).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS.loginTimeoutMs).toBeLessThanOrEqual(30_000);
    expect(DEFAULT_LIMITS.idleTimeoutMs).toBeLessThanOrEqual(60_000);
  });

  it('reads seconds and a count from the environment', () => {
    expect(
      readLimits({
        PAAS_LOGIN_TIMEOUT: '5',
        PAAS_IDLE_TIMEOUT: '120',
        PAAS_MAX_CONNECTIONS_PER_ADDRESS: '8',
        PAAS_MAX_CONNECTIONS_FROM_PROXY: '99',
      }),
    ).toEqual({
      loginTimeoutMs: 5000,
      idleTimeoutMs: 120_000,
      perAddress: 8,
      perProxy: 99,
    });
  });

  it('refuses values that are not whole numbers from 1', () => {
    for (const value of ['0', '-1', '1.5', 'ten']) {
      expect(() => readLimits({ PAAS_LOGIN_TIMEOUT: value }), value).toThrow(
        `PAAS_LOGIN_TIMEOUT must be a whole number from 1 (got "${value}")`,
      );
    }
  });
});

describe('apiConnectionCap', () => {
  const limits = { ...DEFAULT_LIMITS, perAddress: 3, perProxy: 500 };

  it('gives the address the managed nginx connects from (127.0.0.1, or the one PAAS_LISTEN) the larger budget', () => {
    for (const listen of ['0.0.0.0', '::', '127.0.0.1']) {
      expect(apiConnectionCap(limits, listen, '127.0.0.1'), listen).toBe(500);
      expect(apiConnectionCap(limits, listen, '::ffff:127.0.0.1'), listen).toBe(500);
    }
    expect(apiConnectionCap(limits, '10.0.0.5', '10.0.0.5')).toBe(500);
    expect(apiConnectionCap(limits, '10.0.0.5', '::ffff:10.0.0.5')).toBe(500);
  });

  it('holds every other address to the per-address cap', () => {
    expect(apiConnectionCap(limits, '0.0.0.0', '203.0.113.7')).toBe(3);
    expect(apiConnectionCap(limits, '0.0.0.0', '::ffff:10.0.0.5')).toBe(3);
    expect(apiConnectionCap(limits, '10.0.0.5', '10.0.0.6')).toBe(3);
    // Other loopback addresses are other local clients, not nginx.
    expect(apiConnectionCap(limits, '0.0.0.0', '127.0.0.2')).toBe(3);
    expect(apiConnectionCap(limits, '0.0.0.0', '::1')).toBe(3);
  });
});
