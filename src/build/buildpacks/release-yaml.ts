/**
 * What a buildpack's `bin/release` prints: a small YAML document with `config_vars` and
 * `default_process_types` maps (and `addons`, ignored). Only the subset buildpacks use is read:
 * top-level keys, one level of `key: value` under them, plain, 'single' and "double" quoted
 * scalars, `{}`/`[]`, and flow maps `{web: cmd}`. Pure.
 */
export interface ReleaseInfo {
  configVars: Record<string, string>;
  defaultProcessTypes: Record<string, string>;
}

export class ReleaseYamlError extends Error {}

export function parseReleaseYaml(text: string): ReleaseInfo {
  const sections = parseTwoLevels(text);
  return {
    configVars: sections.config_vars ?? {},
    defaultProcessTypes: sections.default_process_types ?? {},
  };
}

function parseTwoLevels(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  let childIndent: number | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '' || line.trim().startsWith('#') || line === '...') return;
    const where = `bin/release output line ${i + 1}`;
    if (line.startsWith('---')) {
      // A document start, alone or with an empty map: `---`, `--- {}`.
      const rest = stripComment(line.slice(3));
      if (rest === '' || rest === '{}') return;
      throw new ReleaseYamlError(`${where}: put the keys on their own lines after "---"`);
    }
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      const [key, value] = splitKey(line, where);
      current = {};
      childIndent = undefined;
      sections[key] = current;
      if (value !== '') Object.assign(current, flowValue(value, where));
      return;
    }
    if (current === undefined) throw new ReleaseYamlError(`${where}: indented line before any key`);
    if (line.trimStart().startsWith('- ') || line.trim() === '-') return; // a list (addons): ignored
    childIndent ??= indent;
    if (indent !== childIndent) throw new ReleaseYamlError(`${where}: nesting deeper than two levels is not supported`);
    const [key, value] = splitKey(line.trimStart(), where);
    current[key] = scalar(value, where);
  });
  return sections;
}

/** `key: value` → [key, raw value]; keys may be quoted. */
function splitKey(line: string, where: string): [string, string] {
  const quoted = /^(["'])(.*?)\1\s*:(?:\s+(.*))?$/.exec(line) ?? /^(["'])(.*?)\1\s*:$/.exec(line);
  if (quoted) return [quoted[2], (quoted[3] ?? '').trim()];
  const match = /^([^:#\s][^:]*?)\s*:(?:\s+(.*)|)$/.exec(line);
  if (!match) throw new ReleaseYamlError(`${where}: expected "key: value", got "${line.trim().slice(0, 60)}"`);
  return [match[1], (match[2] ?? '').trim()];
}

/** A section's inline value: `{}`, `[]`, `{a: b, c: "d"}`; anything else is not a map. */
function flowValue(value: string, where: string): Record<string, string> {
  const text = stripComment(value);
  if (text === '{}' || text === '[]' || text === '~' || text === 'null') return {};
  if (text.startsWith('[')) return {};
  if (!text.startsWith('{') || !text.endsWith('}')) return {};
  const map: Record<string, string> = {};
  for (const item of splitFlow(text.slice(1, -1))) {
    if (item.trim() === '') continue;
    const [key, raw] = splitKey(item.trim(), where);
    map[key] = scalar(raw, where);
  }
  return map;
}

/** Splits `a: b, c: "d, e"` at the commas outside quotes. */
function splitFlow(text: string): string[] {
  const items: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items;
}

function scalar(raw: string, where: string): string {
  const value = raw.trim();
  if (value.startsWith('"')) {
    const end = closingDoubleQuote(value);
    if (end === -1) throw new ReleaseYamlError(`${where}: unterminated "quoted" value`);
    return unescapeDouble(value.slice(1, end));
  }
  if (value.startsWith("'")) {
    const match = /^'((?:[^']|'')*)'/.exec(value);
    if (!match) throw new ReleaseYamlError(`${where}: unterminated 'quoted' value`);
    return match[1].replace(/''/g, "'");
  }
  const plain = stripComment(value);
  return plain === '~' || plain === 'null' ? '' : plain;
}

/** In a plain scalar, ` #` starts a comment. */
function stripComment(value: string): string {
  const at = value.search(/\s#/);
  return (at === -1 ? value : value.slice(0, at)).trim();
}

function closingDoubleQuote(value: string): number {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === '"') return i;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0', ' ': ' ' };

function unescapeDouble(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, code: string) => {
    if (code.length > 1) return String.fromCharCode(parseInt(code.slice(1), 16));
    return ESCAPES[code] ?? code;
  });
}
