import { UserError } from './errors.js';
import { assertSettableConfigKey, printable } from './names.js';

/**
 * `KEY=VALUE` arguments into a map. The value is everything after the first `=`, so it may hold
 * spaces, `=`, quotes and unicode; with `encoded` it is base64 (for values with newlines).
 */
export function parseAssignments(pairs: readonly string[], encoded: boolean): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UserError(
        `"${printable(pair)}" is not KEY=VALUE; quote values with spaces, e.g. paas config:set blog 'GREETING=hello world'`,
      );
    }
    const key = assertSettableConfigKey(pair.slice(0, eq));
    const raw = pair.slice(eq + 1);
    vars[key] = encoded ? decodeBase64(key, raw) : raw;
  }
  return vars;
}

function decodeBase64(key: string, raw: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) {
    throw new UserError(`the value of ${key} is not valid base64 (--encoded expects base64 values)`);
  }
  return Buffer.from(raw, 'base64').toString('utf8');
}

export const EXPORT_FORMATS = ['exports', 'envfile', 'docker-args', 'json', 'json-list', 'shell', 'pretty'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Renders vars for `config:export`; each format round-trips through its consumer. */
export function renderConfigExport(vars: Record<string, string>, format: ExportFormat): string {
  const entries = Object.entries(vars);
  switch (format) {
    case 'json':
      return `${JSON.stringify(vars, null, 2)}\n`;
    case 'json-list':
      return `${JSON.stringify(entries.map(([name, value]) => ({ name, value })), null, 2)}\n`;
    case 'exports':
      return entries.map(([key, value]) => `export ${key}=${shellQuote(value)}\n`).join('');
    case 'shell':
      return line(entries.map(([key, value]) => `${key}=${shellQuote(value)}`));
    case 'docker-args':
      return line(entries.map(([key, value]) => `--env=${key}=${shellQuote(value)}`));
    case 'envfile':
      return entries.map(([key, value]) => `${key}=${doubleQuote(value)}\n`).join('');
    case 'pretty':
      return renderConfigShow('', vars).split('\n').slice(1).join('\n');
  }
}

const line = (parts: readonly string[]): string => (parts.length ? `${parts.join(' ')}\n` : '');

/**
 * `config:import`: a .env file (`KEY=value`, `export KEY=...`, double- or single-quoted values,
 * `#` comments) or a JSON object of strings. Throws a UserError naming the first bad line.
 */
export function parseConfigImport(text: string, format: 'envfile' | 'json'): Record<string, string> {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UserError('config:import: the input is not JSON; give an object like {"KEY": "value"}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UserError('config:import: the JSON must be an object like {"KEY": "value"}');
    }
    const vars: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new UserError(`config:import: the value of ${printable(key)} must be a string`);
      vars[assertSettableConfigKey(key)] = value;
    }
    return vars;
  }
  const vars: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const entry = raw.replace(/\r$/, '').trim();
    if (entry === '' || entry.startsWith('#')) return;
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(entry);
    if (!match) throw new UserError(`config:import: line ${index + 1} is not KEY=VALUE`);
    vars[assertSettableConfigKey(match[1]!)] = envValue(match[2]!, index + 1);
  });
  return vars;
}

function envValue(text: string, lineNumber: number): string {
  if (text.startsWith("'")) {
    const end = text.indexOf("'", 1);
    if (end === -1) throw new UserError(`config:import: line ${lineNumber} has an unclosed quote`);
    return text.slice(1, end);
  }
  if (!text.startsWith('"')) return text.replace(/\s+#.*$/, '');
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') return value;
    if (char === '\\' && i + 1 < text.length) {
      const next = text[++i]!;
      value += next === 'n' ? '\n' : next;
    } else value += char;
  }
  throw new UserError(`config:import: line ${lineNumber} has an unclosed quote`);
}

/** Single quotes are literal in POSIX shells; only `'` itself needs care. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** dotenv's double-quoted form: backslash, quote, dollar and newline escaped. */
function doubleQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$').replace(/\n/g, '\\n')}"`;
}

/** `config:show`: aligned `KEY: value` lines under a header, as Dokku prints them. */
export function renderConfigShow(title: string, vars: Record<string, string>): string {
  const keys = Object.keys(vars);
  const width = Math.max(0, ...keys.map((key) => key.length)) + 2;
  const lines = [`=====> ${title}`];
  for (const key of keys) lines.push(`${`${key}:`.padEnd(width)}${vars[key]}`);
  return `${lines.join('\n')}\n`;
}
