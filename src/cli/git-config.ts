import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * The remote URLs of the repository around `cwd`, read from its config file: no `git` process,
 * which costs the client 10 to 40 ms on every command. undefined when only git can tell
 * (includes in the config), so the caller asks git.
 */
export function remoteUrlsFromConfig(env: NodeJS.ProcessEnv, cwd: string): Map<string, string> | undefined {
  const gitDir = env.GIT_DIR ? resolve(cwd, env.GIT_DIR) : findGitDir(cwd);
  if (!gitDir) return new Map();
  let text: string;
  try {
    text = readFileSync(join(commonDir(gitDir), 'config'), 'utf8');
  } catch {
    return new Map();
  }
  return parseRemoteUrls(text);
}

/** `[remote "NAME"] url = ...` of a git config file; undefined when it includes other files. Pure. */
export function parseRemoteUrls(text: string): Map<string, string> | undefined {
  const urls = new Map<string, string>();
  let remote: string | undefined;
  for (const line of text.split('\n')) {
    const section = /^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (section) {
      const name = section[1].toLowerCase();
      if (name === 'include' || name === 'includeif') return undefined;
      remote = name === 'remote' && section[2] !== undefined ? section[2].replace(/\\(.)/g, '$1') : undefined;
      continue;
    }
    const entry = /^\s*url\s*=\s*(.*?)\s*$/i.exec(line);
    if (remote !== undefined && entry && !urls.has(remote)) urls.set(remote, unquote(entry[1]));
  }
  return urls;
}

function unquote(value: string): string {
  const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(value);
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1');
  return value.replace(/\s+[;#].*$/, '');
}

/** The `.git` folder of the work tree around `cwd` (a `.git` file points to it), as git finds it. */
function findGitDir(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, '.git');
    const stat = statSync(candidate, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return candidate;
    if (stat?.isFile()) {
      const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(candidate, 'utf8'))?.[1];
      if (pointer) return isAbsolute(pointer) ? pointer : resolve(dir, pointer);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** A linked work tree keeps its config in the main repository (`commondir`). */
function commonDir(gitDir: string): string {
  try {
    const pointer = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
    return isAbsolute(pointer) ? pointer : resolve(gitDir, pointer);
  } catch {
    return gitDir;
  }
}
