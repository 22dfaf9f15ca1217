import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/core/args.js';
import type { CommandSpec } from '../../../src/core/command.js';
import { UserError } from '../../../src/core/errors.js';

const spec: CommandSpec = {
  name: 'config:set',
  summary: 's',
  usage: 'APP KEY=VALUE...',
  examples: [],
  flags: {
    'no-restart': { type: 'boolean', description: '' },
    format: { type: 'string', description: '', choices: ['json', 'text'] },
  },
  arity: [1, Infinity],
  handler: () => undefined,
};

describe('parseArgs', () => {
  it('separates flags from positionals wherever they stand', () => {
    expect(parseArgs(spec, ['blog', '--no-restart', 'A=1', '--format=json'])).toEqual({
      args: ['blog', 'A=1'],
      flags: { 'no-restart': true, format: 'json' },
      help: false,
    });
    expect(parseArgs(spec, ['--format', 'text', 'blog']).flags.format).toBe('text');
  });

  it('keeps values that look like flags after --', () => {
    expect(parseArgs(spec, ['blog', '--', '--no-restart']).args).toEqual(['blog', '--no-restart']);
  });

  it('refuses unknown flags, bad choices and missing values with the command name', () => {
    expect(() => parseArgs(spec, ['blog', '--nope'])).toThrow(/config:set: unknown flag --nope/);
    expect(() => parseArgs(spec, ['blog', '--format', 'xml'])).toThrow(/must be one of json, text/);
    expect(() => parseArgs(spec, ['blog', '--format'])).toThrow(/needs a value/);
    expect(() => parseArgs(spec, ['blog', '--no-restart=yes'])).toThrow(UserError);
  });

  it('checks the number of positionals and shows the usage', () => {
    expect(() => parseArgs(spec, [])).toThrow('config:set: missing arguments; usage: paas config:set APP KEY=VALUE...');
    expect(() => parseArgs({ ...spec, arity: [1, 1] }, ['a', 'b'])).toThrow(/too many arguments/);
  });

  it('answers --help without checking arity', () => {
    expect(parseArgs(spec, ['--help']).help).toBe(true);
  });

  it('passes everything after the given positionals through', () => {
    const run: CommandSpec = { ...spec, name: 'run', passthroughAfter: 1 };
    expect(parseArgs(run, ['blog', 'ls', '--all', '--no-restart']).args).toEqual(['blog', 'ls', '--all', '--no-restart']);
  });
});

describe('short flags', () => {
  const logs: CommandSpec = {
    ...spec,
    name: 'logs',
    flags: {
      tail: { type: 'boolean', description: '', short: 't' },
      num: { type: 'string', description: '', short: 'n' },
    },
  };

  it('reads -t, -n N and -nN', () => {
    expect(parseArgs(logs, ['blog', '-t', '-n', '5']).flags).toEqual({ tail: true, num: '5' });
    expect(parseArgs(logs, ['-n20', 'blog']).flags).toEqual({ num: '20' });
  });

  it('keeps unknown short tokens as positionals', () => {
    expect(parseArgs(logs, ['blog', '-x']).args).toEqual(['blog', '-x']);
  });
});
