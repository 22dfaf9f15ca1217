import { UserError } from '../core/errors.js';
import { assertAppName, printable } from '../core/names.js';
import type { GitVerb } from '../git/git-access.js';

const BLANK = new Set([' ', '\t', '\n']);
/** Inside double quotes a backslash only escapes these; before anything else it stays. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);

/**
 * Splits an SSH exec command string into argv the way a POSIX shell splits words: single
 * quotes, double quotes (with their backslash escapes) and backslashes outside quotes.
 * Nothing is expanded and nothing is an operator: `$HOME`, `*`, `~`, `;`, `|` and `&` stay
 * literal characters of their word, because no shell ever runs the line.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  /** A word has started, even if it is empty so far (`''` is an empty argument). */
  let inWord = false;
  let i = 0;

  while (i < line.length) {
    const char = line[i];
    if (BLANK.has(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw unterminated("'");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (char === '"') {
      const [text, next] = readDoubleQuoted(line, i + 1);
      word += text;
      inWord = true;
      i = next;
    } else if (char === '\\') {
      const escaped = line[i + 1];
      if (escaped === undefined) {
        word += '\\'; // a trailing backslash escapes nothing: keep it, as dash does
        inWord = true;
      } else if (escaped !== '\n') {
        word += escaped; // backslash-newline is a line continuation and vanishes
        inWord = true;
      }
      i += 2;
    } else {
      word += char;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The text of a double-quoted string starting at `start` (after the quote), and where it ends. */
function readDoubleQuoted(line: string, start: number): [string, number] {
  let text = '';
  let i = start;
  while (i < line.length) {
    const char = line[i];
    if (char === '"') return [text, i + 1];
    if (char === '\\' && i + 1 < line.length && DOUBLE_QUOTE_ESCAPABLE.has(line[i + 1])) {
      if (line[i + 1] !== '\n') text += line[i + 1];
      i += 2;
      continue;
    }
    text += char;
    i++;
  }
  throw unterminated('"');
}

function unterminated(quote: string): UserError {
  return new UserError(
    `unterminated ${quote} quote in the command; quote each argument whole, e.g. ` + `ssh paas@HOST config:set blog "GREETING=hello world"`,
  );
}

export interface GitCommand {
  verb: GitVerb;
  app: string;
}

const GIT_VERBS: Record<string, GitVerb> = {
  'git-receive-pack': 'git-receive-pack',
  'git-upload-pack': 'git-upload-pack',
};

/**
 * Recognises the command git sends over SSH (`git-receive-pack '/blog.git'`, `git upload-pack
 * 'blog'`) and checks it against a strict whitelist: a known verb and one app name, nothing
 * else. Returns undefined when the line is not a git command at all (a paas command);
 * throws UserError for a git command that is not allowed.
 */
export function parseGitCommand(line: string): GitCommand | undefined {
  const argv = splitCommandLine(line);
  let verbName: string;
  let rest: string[];
  if (argv[0] === 'git' && argv[1] !== undefined && /^(receive-pack|upload-pack|upload-archive)$/.test(argv[1])) {
    verbName = `git-${argv[1]}`;
    rest = argv.slice(2);
  } else if (argv[0] !== undefined && /^git-(receive-pack|upload-pack|upload-archive)$/.test(argv[0])) {
    verbName = argv[0];
    rest = argv.slice(1);
  } else {
    return undefined;
  }

  const verb = GIT_VERBS[verbName];
  if (!verb) {
    throw new UserError(`${verbName} is not supported; clone the app instead: git clone ssh://paas@HOST:PORT/APP`);
  }
  if (rest.length !== 1) {
    throw new UserError(`${verb} takes exactly one app; use a remote like ssh://paas@HOST:PORT/APP`);
  }
  return { verb, app: appOfRepoPath(rest[0]) };
}

/** `/blog.git`, `blog.git`, `/blog` and `blog` all name the app `blog`; no other path does. */
function appOfRepoPath(path: string): string {
  let app = path.startsWith('/') ? path.slice(1) : path;
  if (app.endsWith('.git')) app = app.slice(0, -'.git'.length);
  try {
    return assertAppName(app);
  } catch {
    throw new UserError(
      `invalid app in the git remote "${printable(path)}": use ssh://paas@HOST:PORT/APP where APP is ` +
        'lowercase letters, digits and dashes, starting with a letter or digit (e.g. my-blog)',
    );
  }
}
