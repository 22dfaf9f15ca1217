import { describe, expect, it } from 'vitest';
import { changeLists, parseTypes } from '../../../src/deploy/commands/checks.js';
import { redactInspect } from '../../../src/deploy/commands/ps.js';

describe('checks:disable, checks:skip and checks:enable lists', () => {
  const empty = { disabled: [], skipped: [] };
  const types = ['web', 'worker'];

  it('keeps a type in one list at most', () => {
    const disabled = changeLists(empty, 'disable', ['web'], types);
    expect(disabled).toEqual({ disabled: ['web'], skipped: [] });
    expect(changeLists(disabled, 'skip', ['web'], types)).toEqual({ disabled: [], skipped: ['web'] });
  });

  it('uses _all_ without types, and expands it when one type is enabled', () => {
    const all = changeLists(empty, 'skip', parseTypes(undefined), types);
    expect(all).toEqual({ disabled: [], skipped: ['_all_'] });
    expect(changeLists(all, 'enable', ['web'], types)).toEqual({ disabled: [], skipped: ['worker'] });
    expect(changeLists(all, 'enable', parseTypes(undefined), types)).toEqual(empty);
  });

  it('refuses names that are not process types', () => {
    expect(parseTypes('web,worker,web')).toEqual(['web', 'worker']);
    expect(() => parseTypes('web;rm')).toThrow('is not a process type');
  });
});

describe('ps:inspect redaction', () => {
  it("replaces the values of the app's config vars only", () => {
    const info = { Id: 'x', Config: { Env: ['SECRET=abc', 'PORT=5000', 'URL=a=b'] } };
    expect(redactInspect(info, new Set(['SECRET', 'URL'])).Config.Env).toEqual(['SECRET=<redacted>', 'PORT=5000', 'URL=<redacted>']);
    expect(info.Config.Env[0]).toBe('SECRET=abc');
  });
});

describe('repeatable flags and the app lock', () => {
  it('keeps every value of a repeatable flag', async () => {
    const { flagValues, parseArgs } = await import('../../../src/core/args.js');
    const spec = {
      name: 'run',
      summary: '',
      usage: '',
      examples: [],
      arity: [1, Infinity] as const,
      passthroughAfter: 1,
      flags: { env: { type: 'string' as const, short: 'e', repeatable: true, description: '' } },
      handler: () => undefined,
    };
    const parsed = parseArgs(spec, ['--env', 'A=1', '-e', 'B=x y', 'app', '--env', 'C=3']);
    expect(flagValues(parsed.flags.env)).toEqual(['A=1', 'B=x y']);
    expect(parsed.args).toEqual(['app', '--env', 'C=3']);
  });

  it('lets a command wait for background reconciling, but refuses it during a deploy', async () => {
    const { AppLocks } = await import('../../../src/deploy/app-lock.js');
    const locks = new AppLocks();
    let finish!: () => void;
    const reconciling = locks.ifFree(1, 'reconciling', () => new Promise<void>((resolve) => (finish = resolve)));
    expect(locks.isLocked(1)).toBe(false);
    const scaled = locks.withLock(1, 'blog', 'scaling', async () => 'scaled');
    finish();
    await reconciling;
    expect(await scaled).toBe('scaled');
    const deploying = locks.withLock(1, 'blog', 'deploying', () => new Promise<void>((resolve) => setTimeout(resolve, 10)));
    await expect(locks.withLock(1, 'blog', 'scaling', async () => 'x')).rejects.toThrow('a deploy of blog is in progress');
    await deploying;
  });
});
