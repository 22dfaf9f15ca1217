import { describe, expect, it } from 'vitest';
import {
  appDomains,
  domainConflicts,
  globalVhost,
  isValidDomain,
  normalizeDomain,
  reservedDomainProblem,
} from '../../../src/proxy/domains.js';

describe('normalizeDomain', () => {
  it('accepts host names and a leading wildcard, lowercased', () => {
    expect(normalizeDomain('Blog.Example.COM')).toBe('blog.example.com');
    expect(normalizeDomain('*.example.com')).toBe('*.example.com');
    expect(normalizeDomain('localhost')).toBe('localhost');
    expect(normalizeDomain('a-b.c1.test')).toBe('a-b.c1.test');
    expect(normalizeDomain('127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeDomain(`${'a'.repeat(63)}.test`)).toBe(`${'a'.repeat(63)}.test`);
  });

  const hostile = [
    'x.test; return 200',
    'x.test;',
    'a b',
    'a\tb.test',
    '{',
    'x.test { }',
    'x.test}',
    'x.test\nreturn 200',
    'x.test\r\n',
    '"x.test"',
    "'x.test'",
    'x.test"',
    '$host',
    'x.$host.test',
    'x.test#',
    'a\\b',
    'a/b',
    'a:80',
    '..',
    'a..b',
    '.x.test',
    'x.test.',
    '-x.test',
    'x-.test',
    '*',
    '*.',
    'x.*.test',
    '**.test',
    'x*.test',
    '',
    `${'a'.repeat(64)}.test`,
    `${'a.'.repeat(130)}test`,
    'blög.test',
    'x.test\u0000',
    'x_y.test',
  ];

  it.each(hostile.map((value) => [JSON.stringify(value), value]))('refuses %s', (_label, value) => {
    expect(() => normalizeDomain(value)).toThrow(/invalid domain/);
    expect(isValidDomain(value)).toBe(false);
  });

  it('shows the refused value safely, on one line', () => {
    try {
      normalizeDomain('x.test\nreturn 200;');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).toContain('x.test\\nreturn 200;');
    }
  });

  it('says what is wrong', () => {
    expect(() => normalizeDomain('a..b')).toThrow(/empty label/);
    expect(() => normalizeDomain(`${'a'.repeat(64)}.test`)).toThrow(/longer than 63/);
    expect(() => normalizeDomain(`${'a.'.repeat(130)}test`)).toThrow(/longer than 253/);
    expect(() => normalizeDomain('-a.test')).toThrow(/dash/);
  });
});

describe('appDomains', () => {
  it('serves APP.GLOBAL plus the own domains, each once', () => {
    expect(appDomains({ app: 'blog', own: ['blog.com', 'blog.example.com'], useGlobal: true, global: 'example.com' })).toEqual([
      'blog.example.com',
      'blog.com',
    ]);
  });

  it('leaves APP.GLOBAL out when turned off or when there is no global domain', () => {
    expect(appDomains({ app: 'blog', own: ['blog.com'], useGlobal: false, global: 'example.com' })).toEqual(['blog.com']);
    expect(appDomains({ app: 'blog', own: [], useGlobal: true, global: undefined })).toEqual([]);
    expect(globalVhost('blog', undefined)).toBeUndefined();
  });
});

describe('domainConflicts', () => {
  it('names every app that claims a domain twice', () => {
    const conflicts = domainConflicts([
      { name: 'a', domains: ['x.test', 'a.test'] },
      { name: 'b', domains: ['x.test'] },
      { name: 'c', domains: ['*.test'] },
    ]);
    expect([...conflicts]).toEqual([['x.test', ['a', 'b']]]);
  });
});

describe('reservedDomainProblem: APP.GLOBAL belongs to the app NAME', () => {
  const global = 'apps.example.com';
  it("refuses another app's default URL, existing or future, and keeps the app's own", () => {
    expect(reservedDomainProblem('blog.apps.example.com', 'evil', global, false)).toMatch(
      /blog\.apps\.example\.com is the default URL of the app "blog"/,
    );
    expect(reservedDomainProblem('blog.apps.example.com', 'blog', global, false)).toBeUndefined();
    expect(reservedDomainProblem('www.blog.apps.example.com', 'evil', global, false)).toBeUndefined();
    expect(reservedDomainProblem('blog.example.com', 'evil', global, false)).toBeUndefined();
    expect(reservedDomainProblem('blog.apps.example.com', 'evil', undefined, false)).toBeUndefined();
  });

  it('refuses wildcards covering the global domain unless asked for', () => {
    for (const wildcard of ['*.apps.example.com', '*.example.com', '*.com']) {
      expect(reservedDomainProblem(wildcard, 'evil', global, false), wildcard).toMatch(/covers the global domain/);
      expect(reservedDomainProblem(wildcard, 'evil', global, true), wildcard).toBeUndefined();
    }
    expect(reservedDomainProblem('*.other.com', 'evil', global, false)).toBeUndefined();
  });
});
