import { describe, expect, it } from 'vitest';
import { offlineRegistry } from '../../../src/cli/local-help.js';
import { MAX_LOGGED_ARG, MAX_LOGGED_ARGS, REDACTED, redactArgv } from '../../../src/core/redact.js';

const registry = offlineRegistry();
const logged = (...argv: string[]) => redactArgv(registry, argv);

describe('redactArgv: what the daemon log keeps of a command line', () => {
  it('hides postgres:create --password in both spellings, and keeps the other flags', () => {
    expect(logged('postgres:create', 'db', '--password', 'hunter2hunter2', '--memory', '512')).toEqual([
      'postgres:create',
      'db',
      '--password',
      REDACTED,
      '--memory',
      '512',
    ]);
    expect(logged('postgres:create', '--password=hunter2hunter2', 'db')).toEqual(['postgres:create', `--password=${REDACTED}`, 'db']);
  });

  it('hides config:set values (plain and --encoded) but keeps the keys and the app', () => {
    expect(logged('config:set', '--encoded', 'blog', 'KEY=c2VjcmV0', 'B=x=y')).toEqual([
      'config:set',
      '--encoded',
      'blog',
      `KEY=${REDACTED}`,
      `B=${REDACTED}`,
    ]);
    expect(logged('config:set', '--global', 'TOKEN=abc')).toEqual(['config:set', '--global', `TOKEN=${REDACTED}`]);
  });

  it('keeps the arguments of commands that declare no secrets', () => {
    expect(logged('apps:create', 'blog')).toEqual(['apps:create', 'blog']);
    expect(logged('logs', 'blog', '-n', '20', '-t')).toEqual(['logs', 'blog', '-n', '20', '-t']);
  });

  it('keeps only the name of an unknown command (a typo of one that takes a secret)', () => {
    expect(logged('postgres:craete', 'db', '--password', 'hunter2hunter2')).toEqual(['postgres:craete', REDACTED, '--password', REDACTED]);
    expect(logged('postgres:craete', '--password=hunter2hunter2')).toEqual(['postgres:craete', `--password=${REDACTED}`]);
  });

  it('bounds the size of what is logged', () => {
    const long = 'x'.repeat(MAX_LOGGED_ARG * 10);
    const line = logged('apps:create', long, ...Array.from({ length: 100 }, (_, i) => `a${i}`));
    expect(line).toHaveLength(MAX_LOGGED_ARGS + 1);
    expect(line[1]!.length).toBeLessThan(MAX_LOGGED_ARG + 30);
    expect(line.at(-1)).toMatch(/more arguments/);
  });

  it('every secret flag a command declares exists among its flags', () => {
    for (const spec of registry.list()) {
      for (const flag of spec.secrets?.flags ?? []) expect(spec.flags?.[flag]?.type, `${spec.name} --${flag}`).toBe('string');
    }
  });
});
