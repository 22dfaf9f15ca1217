import { describe, expect, it } from 'vitest';
import { describeRollbackConfig, rollbackConfig } from '../../../src/deploy/rollback-config.js';

describe('rollbackConfig', () => {
  it("makes the app's own vars those of the target release and names what changes", () => {
    const result = rollbackConfig({ target: { A: '1', OLD: 'x' }, global: {}, own: { A: '2', NEW: 'y' }, keep: new Set() });
    expect(result.own).toEqual({ A: '1', OLD: 'x' });
    expect(result.effective).toEqual({ A: '1', OLD: 'x' });
    expect(result.changes).toEqual([
      { key: 'A', change: 'changed' },
      { key: 'NEW', change: 'removed' },
      { key: 'OLD', change: 'added' },
    ]);
    expect(describeRollbackConfig(result)).toEqual(['Changed: A', 'Added: OLD', 'Removed: NEW']);
  });

  it('leaves global vars global, and overrides a global var the release saw with another value', () => {
    const result = rollbackConfig({
      target: { TZ: 'UTC', LANG: 'C', A: '1' },
      global: { TZ: 'UTC', LANG: 'en', LATER: 'g' },
      own: { A: '1' },
      keep: new Set(),
    });
    expect(result.own).toEqual({ A: '1', LANG: 'C' });
    expect(result.effective).toEqual({ A: '1', LANG: 'C', LATER: 'g', TZ: 'UTC' });
    expect(result.globalKept).toEqual(['LATER']);
    expect(describeRollbackConfig(result)).toEqual(['Changed: LANG', 'Kept (global config, not part of that release): LATER']);
  });

  it("keeps a managed key's current value or absence", () => {
    const linked = rollbackConfig({
      target: { A: '1' },
      global: {},
      own: { A: '2', DATABASE_URL: 'postgres://now' },
      keep: new Set(['DATABASE_URL']),
    });
    expect(linked.own).toEqual({ A: '1', DATABASE_URL: 'postgres://now' });
    expect(linked.managedKept).toEqual(['DATABASE_URL']);
    const unlinked = rollbackConfig({ target: { DATABASE_URL: 'postgres://old' }, global: {}, own: {}, keep: new Set(['DATABASE_URL']) });
    expect(unlinked.own).toEqual({});
    expect(describeRollbackConfig(unlinked)).toEqual(['No config var changes', 'Kept (set by a service link): DATABASE_URL']);
  });
});
