import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

/**
 * `.dockerignore` with Docker's own semantics (moby's ignorefile + patternmatcher):
 * - a line starting with `#` is a comment; blank lines are skipped; lines are trimmed;
 * - patterns are cleaned like Go's `filepath.Clean`, so a leading `./` and a trailing `/`
 *   go away, and a leading `/` is dropped (paths are relative to the context);
 * - `*` matches within one path segment, `?` one character except `/`, `[a-z]` / `[!a-z]`
 *   a character class, `**` any number of segments (even none), `\` escapes the next character;
 * - `!pattern` re-includes; rules are read in order and the last one that matches wins;
 * - a pattern that matches a directory matches everything under it.
 */
export interface IgnoreRule {
  /** The cleaned pattern, without its `!`. */
  readonly pattern: string;
  /** True for a `!` rule, which re-includes what earlier rules excluded. */
  readonly exclusion: boolean;
  readonly regex: RegExp;
}

export interface DockerIgnore {
  readonly rules: readonly IgnoreRule[];
}

export function parseDockerIgnore(text: string): DockerIgnore {
  const rules: IgnoreRule[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const rule = parseLine(raw.replace(/\r$/, ''), index + 1);
    if (rule) rules.push(rule);
  });
  return { rules };
}

function parseLine(line: string, lineNo: number): IgnoreRule | undefined {
  // Docker checks for a comment before trimming: only `#` in column 1 starts one.
  if (line.startsWith('#')) return undefined;
  let pattern = line.trim();
  if (pattern === '') return undefined;
  const exclusion = pattern.startsWith('!');
  if (exclusion) pattern = pattern.slice(1).trim();
  if (exclusion && pattern === '') {
    throw new UserError(`.dockerignore line ${lineNo}: "!" needs a pattern after it (e.g. !keep.txt to re-include keep.txt)`);
  }
  pattern = cleanPath(pattern);
  if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
  return { pattern, exclusion, regex: compilePattern(pattern, lineNo) };
}

/**
 * True when `path` (relative to the context, `/`-separated) is excluded: Docker's
 * MatchesOrParentMatches, so an excluded directory excludes what is under it unless a later
 * `!` rule re-includes that path.
 */
export function isIgnored(ignore: DockerIgnore, path: string): boolean {
  const file = cleanPath(path).replace(/^\/+/, '');
  const slash = file.lastIndexOf('/');
  const parents = slash === -1 ? [] : file.slice(0, slash).split('/');
  let matched = false;
  for (const rule of ignore.rules) {
    // An exclusion can only change an already-excluded path, and an inclusion an included one.
    if (rule.exclusion !== matched) continue;
    if (matchesSelfOrParent(rule.regex, file, parents)) matched = !rule.exclusion;
  }
  return matched;
}

function matchesSelfOrParent(regex: RegExp, file: string, parents: readonly string[]): boolean {
  if (regex.test(file)) return true;
  for (let i = 1; i <= parents.length; i++) {
    if (regex.test(parents.slice(0, i).join('/'))) return true;
  }
  return false;
}

/** Go's `path.Clean` for `/`-separated paths: no empty or `.` segments, `..` resolved. */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(segment);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Translates one cleaned pattern into an anchored regular expression. */
export function compilePattern(pattern: string, lineNo = 0): RegExp {
  const chars = Array.from(pattern);
  let source = '^';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++; // `**/` is `**`
        source += i + 1 >= chars.length ? '.*' : '(?:.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (ch === '?') {
      source += '[^/]';
    } else if (ch === '\\') {
      const next = chars[i + 1];
      source += escapeRegex(next ?? '\\');
      if (next !== undefined) i++;
    } else if (ch === '[') {
      const end = classEnd(chars, i);
      if (end === -1) throw badPattern(pattern, lineNo, 'a "[" has no closing "]"');
      source += characterClass(chars.slice(i + 1, end), pattern, lineNo);
      i = end;
    } else {
      source += escapeRegex(ch);
    }
  }
  try {
    return new RegExp(`${source}$`, 'su');
  } catch {
    throw badPattern(pattern, lineNo, 'it is not a valid pattern (check its [ranges])');
  }
}

function classEnd(chars: readonly string[], open: number): number {
  for (let i = open + 1; i < chars.length; i++) {
    if (chars[i] === '\\') i++;
    else if (chars[i] === ']') return i;
  }
  return -1;
}

function characterClass(body: readonly string[], pattern: string, lineNo: number): string {
  const negated = body[0] === '!' || body[0] === '^';
  const members = negated ? body.slice(1) : body;
  if (members.length === 0) throw badPattern(pattern, lineNo, 'a character class "[]" is empty');
  let out = '';
  for (let i = 0; i < members.length; i++) {
    const ch = members[i];
    if (ch === '\\' && i + 1 < members.length) {
      out += escapeRegex(members[++i], true);
    } else if (ch === '-' && i > 0 && i < members.length - 1) {
      out += '-';
    } else {
      out += escapeRegex(ch, true);
    }
  }
  // Like filepath.Match, a class never matches the path separator.
  return negated ? `[^/${out}]` : `[${out}]`;
}

/** Escapes a character for a `u` regex; `-` may only be escaped inside a class there. */
function escapeRegex(ch: string, inClass = false): string {
  const special = inClass ? /[\\^$.*+?()[\]{}|/-]/ : /[\\^$.*+?()[\]{}|/]/;
  return special.test(ch) ? `\\${ch}` : ch;
}

function badPattern(pattern: string, lineNo: number, why: string): UserError {
  const where = lineNo > 0 ? `.dockerignore line ${lineNo}` : '.dockerignore';
  return new UserError(`${where}: invalid pattern "${printable(pattern)}": ${why}`);
}
