import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  MAX_CONFIG_VAR_BYTES,
  assertApplicableValues,
  assertConfigFits,
  parseAssignments,
  parseConfigImport,
  renderConfigExport,
  shellQuote,
} from '../../../src/core/config-vars.js';

describe('parseAssignments', () => {
  it('splits at the first = and keeps the value as given', () => {
    expect(parseAssignments(['A=1', 'B=two words', 'C=x=y', `D=it's "q"`, 'E=héllo ✓', 'F='], false)).toEqual({
      A: '1',
      B: 'two words',
      C: 'x=y',
      D: `it's "q"`,
      E: 'héllo ✓',
      F: '',
    });
  });

  it('decodes base64 values with --encoded', () => {
    const value = 'line one\nline two';
    expect(parseAssignments([`K=${Buffer.from(value).toString('base64')}`], true)).toEqual({ K: value });
    expect(() => parseAssignments(['K=not base64!'], true)).toThrow(/not valid base64/);
  });

  it('refuses malformed pairs, bad keys and reserved keys', () => {
    expect(() => parseAssignments(['novalue'], false)).toThrow(/"novalue" is not KEY=VALUE/);
    expect(() => parseAssignments(['=x'], false)).toThrow(/not KEY=VALUE/);
    expect(() => parseAssignments(['1A=x'], false)).toThrow(/invalid config key "1A"/);
    expect(() => parseAssignments(['A-B=x'], false)).toThrow(/invalid config key/);
    expect(() => parseAssignments(['PORT=80'], false)).toThrow(/PORT is set by paas/);
    expect(() => parseAssignments(['GIT_REV=x'], false)).toThrow(/GIT_REV is set by paas/);
  });
});

describe('renderConfigExport', () => {
  const vars = { A: 'plain', B: `it's $HOME "quoted"\nnext`, C: '' };

  it('shell output evaluates back to the same values in a real shell', () => {
    const script = `${renderConfigExport(vars, 'shell')}printf '%s|%s|%s' "$A" "$B" "$C"`;
    expect(execFileSync('sh', ['-c', script]).toString()).toBe(`plain|${vars.B}|`);
  });

  it('json and envfile formats', () => {
    expect(JSON.parse(renderConfigExport(vars, 'json'))).toEqual(vars);
    expect(renderConfigExport({ A: 'x y', B: 'a"b$c' }, 'envfile')).toBe('A="x y"\nB="a\\"b\\$c"\n');
  });

  it('quotes single quotes for the shell', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});

describe('oneOffCommandLine', () => {
  it('keeps a single argument as a shell line and quotes several as given', async () => {
    const { oneOffCommandLine } = await import('../../../src/deploy/process-env.js');
    expect(oneOffCommandLine(['ls | wc -l'])).toBe('ls | wc -l');
    const line = oneOffCommandLine(['python', '-c', "import sys; print('it''s')", '$HOME']);
    expect(execFileSync('sh', ['-c', `set -- ${line}; printf '%s\\n' "$@"`]).toString()).toBe(
      "python\n-c\nimport sys; print('it''s')\n$HOME\n",
    );
  });
});

describe('parseConfigImport', () => {
  it('reads back what config:export --format envfile writes, and common .env forms', () => {
    const vars = { A: 'x y', B: 'a"b$c', C: 'line\nnext', D: '' };
    expect(parseConfigImport(renderConfigExport(vars, 'envfile'), 'envfile')).toEqual(vars);
    expect(parseConfigImport("# comment\n\nexport E='single $x'\nF=plain # note\r\nG = spaced\n", 'envfile')).toEqual({
      E: 'single $x',
      F: 'plain',
      G: 'spaced',
    });
  });

  it('reads a JSON object of strings and refuses anything else', () => {
    expect(parseConfigImport('{"A": "1"}', 'json')).toEqual({ A: '1' });
    expect(() => parseConfigImport('[1]', 'json')).toThrow(/object/);
    expect(() => parseConfigImport('{"A": 1}', 'json')).toThrow(/must be a string/);
    expect(() => parseConfigImport('A="open', 'envfile')).toThrow(/line 1 has an unclosed quote/);
    expect(() => parseConfigImport('1BAD=x', 'envfile')).toThrow(/config key/);
  });

  it('renders the one-line formats', () => {
    expect(renderConfigExport({ A: "it's", B: '1' }, 'docker-args')).toBe("--env=A='it'\\''s' --env=B='1'\n");
    expect(renderConfigExport({ A: '1' }, 'json-list')).toBe('[\n  {\n    "name": "A",\n    "value": "1"\n  }\n]\n');
    expect(renderConfigExport({}, 'shell')).toBe('');
  });
});

describe('values a container could never be started with', () => {
  it('refuses NUL bytes and variables over 128 KB, and accepts what fits', () => {
    expect(() => assertApplicableValues({ A: 'x\0y' })).toThrow(/A holds a NUL byte/);
    expect(() => assertApplicableValues({ BIG: 'x'.repeat(MAX_CONFIG_VAR_BYTES) })).toThrow(
      /BIG is 129 KB; one config var holds at most 128 KB/,
    );
    expect(() => assertApplicableValues({ OK: 'x'.repeat(MAX_CONFIG_VAR_BYTES - 10), Z: 'é\n"' })).not.toThrow();
  });

  it('refuses a config whose vars together exceed what a process can be given', () => {
    const chunk = 'x'.repeat(100 * 1024);
    const vars = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`V${i}`, chunk]));
    expect(() => assertConfigFits(vars, 'blog')).toThrow(
      /the config of blog would be \d+ KB; all config vars together hold at most 1024 KB/,
    );
    delete vars.V10;
    expect(() => assertConfigFits(vars, 'blog')).not.toThrow();
  });
});
