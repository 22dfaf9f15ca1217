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

/** Linux's limit on one environment string, `KEY=VALUE` and its NUL (MAX_ARG_STRLEN). */
export const MAX_CONFIG_VAR_BYTES = 128 * 1024;
/**
 * The most an app's config may hold in all: what reaches a process (its arguments and environment
 * together) is capped by Linux at 2 MB with the usual stack, and the image brings its own vars.
 */
export const MAX_CONFIG_TOTAL_BYTES = 1024 * 1024;

const envBytes = (key: string, value: string) => Buffer.byteLength(key) + 1 + Buffer.byteLength(value) + 1;

/**
 * Refuses values no container could be started with: a NUL byte (it ends a C string), or a
 * variable larger than the kernel passes. Pure.
 */
export function assertApplicableValues(vars: Record<string, string>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value.includes('\0')) throw new UserError(`the value of ${key} holds a NUL byte, which no process environment can carry`);
    const bytes = envBytes(key, value);
    if (bytes > MAX_CONFIG_VAR_BYTES) {
      throw new UserError(
        `${key} is ${Math.ceil(bytes / 1024)} KB; one config var holds at most ${MAX_CONFIG_VAR_BYTES / 1024} KB ` +
          "(the kernel's limit per variable): keep large data in a file or a database",
      );
    }
  }
}

/** Refuses a config whose vars together are more than a process can be given. `label` names whose config it is. Pure. */
export function assertConfigFits(vars: Record<string, string>, label: string): void {
  const total = Object.entries(vars).reduce((sum, [key, value]) => sum + envBytes(key, value), 0);
  if (total > MAX_CONFIG_TOTAL_BYTES) {
    throw new UserError(
      `the config of ${label} would be ${Math.ceil(total / 1024)} KB; all config vars together hold at most ` +
        `${MAX_CONFIG_TOTAL_BYTES / 1024} KB (what a process can be given): unset some, or keep large data elsewhere`,
    );
  }
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
      return `${JSON.stringify(
        entries.map(([name, value]) => ({ name, value })),
        null,
        2,
      )}\n`;
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
    vars[assertSettableConfigKey(match[1])] = envValue(match[2], index + 1);
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
    const char = text[i];
    if (char === '"') return value;
    if (char === '\\' && i + 1 < text.length) {
      const next = text[++i];
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
