import { describe, expect, it } from 'vitest';
import { changeLists, parseTypes } from '../../src/deploy/checks-commands.js';
import { redactInspect } from '../../src/deploy/ps-commands.js';

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
