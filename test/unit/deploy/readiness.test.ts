import { describe, expect, it } from 'vitest';
import { defaultWaitMs } from '../../../src/deploy/health-checks.js';

describe('default-wait', () => {
  it('is whole seconds, else unset (paas then uses its readiness rule)', () => {
    expect(defaultWaitMs('10')).toBe(10_000);
    expect(defaultWaitMs('0')).toBe(0);
    expect(defaultWaitMs(undefined)).toBeUndefined();
    expect(defaultWaitMs('1.5')).toBeUndefined();
    expect(defaultWaitMs('-1')).toBeUndefined();
    expect(defaultWaitMs('ten')).toBeUndefined();
  });
});
