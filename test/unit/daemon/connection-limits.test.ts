import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, readLimits } from '../../../src/daemon/connection-guard.js';

describe('readLimits', () => {
  it('closes idle and never-logged-in clients well within a minute by default', () => {
    expect(readLimits({})).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS.loginTimeoutMs).toBeLessThanOrEqual(30_000);
    expect(DEFAULT_LIMITS.idleTimeoutMs).toBeLessThanOrEqual(60_000);
  });

  it('reads seconds and a count from the environment', () => {
    expect(readLimits({ PAAS_LOGIN_TIMEOUT: '5', PAAS_IDLE_TIMEOUT: '120', PAAS_MAX_CONNECTIONS_PER_ADDRESS: '8' })).toEqual({
      loginTimeoutMs: 5000,
      idleTimeoutMs: 120_000,
      perAddress: 8,
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
