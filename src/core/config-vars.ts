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

export type ExportFormat = 'envfile' | 'json' | 'shell';

/** Renders vars for `config:export`; each format round-trips through its consumer. */
export function renderConfigExport(vars: Record<string, string>, format: ExportFormat): string {
  const entries = Object.entries(vars);
  switch (format) {
    case 'json':
      return `${JSON.stringify(vars, null, 2)}\n`;
    case 'shell':
      return entries.map(([key, value]) => `export ${key}=${shellQuote(value)}\n`).join('');
    case 'envfile':
      return entries.map(([key, value]) => `${key}=${doubleQuote(value)}\n`).join('');
  }
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
