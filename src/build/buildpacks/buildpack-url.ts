import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { BUILTIN_BUILDPACKS, findBuiltin } from './builtin.js';

/** Where a buildpack comes from, as the user wrote it (`.buildpacks`, BUILDPACK_URL, buildpacks:add). */
export type BuildpackSource =
  /** `alias`: the Heroku short name it was given as (heroku/nodejs), served by this built-in. */
  | { kind: 'builtin'; url: string; id: string; alias?: string }
  /** Cloned on the server and cached; `ref` is a branch, tag or commit. */
  | { kind: 'git'; url: string; remote: string; ref?: string; transport: GitTransport; host: string; port?: number }
  /** A folder on the server; a git repository there is treated as a git URL. */
  | { kind: 'local'; url: string; path: string; ref?: string };

/** The git transport a URL uses; git is told to allow that one only. */
export type GitTransport = 'https' | 'http' | 'git' | 'ssh';

const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const SCP_LIKE = /^([A-Za-z0-9._][A-Za-z0-9._-]*)@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):([^\s]+)$/;
const GIT_SCHEMES = /^(https?|git|ssh|git\+ssh|git\+https?):\/\/([^\s/]+)\/\S+$/i;
/**
 * `[user[:password]@]host[:port]`; a host never starts with "-" (ssh would read it as an option).
 * User and password hold only URL userinfo characters: with `?`, `#` or `\` there, curl would read
 * another host than this one (`https://inside:443?@public.example/x`), one that was never checked.
 */
const AUTHORITY =
  /^(?:([A-Za-z0-9._~%!$&'()*+,;=-]*)(?::[A-Za-z0-9._~%!$&'()*+,;=:-]*)?@)?([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
const TARBALL = /\.(tgz|tar\.gz|tbz|tar\.bz2?|tar)$/i;

/** Heroku's short names of its official buildpacks, and the built-in serving the same language. */
export const HEROKU_SHORT_NAMES: Readonly<Record<string, string>> = {
  'heroku/nodejs': 'paas/nodejs',
  'heroku/node': 'paas/nodejs',
  'heroku/python': 'paas/python',
  'heroku/static': 'paas/static',
  'heroku-community/static': 'paas/static',
  'heroku/procfile': 'paas/procfile',
};

function builtinNames(): string {
  return BUILTIN_BUILDPACKS.map((b) => b.id).join(', ');
}

function invalid(url: string, why: string): UserError {
  return new UserError(
    `invalid buildpack "${printable(url)}": ${why}; use a git URL (https://host/repo.git#ref), ` +
      `an absolute path on the server, or one of ${builtinNames()}`,
  );
}

/** Parses one buildpack URL; throws a UserError that says which forms are accepted. Pure. */
export function parseBuildpackUrl(input: string): BuildpackSource {
  const url = input.trim();
  if (url === '') throw invalid(url, 'it is empty');
  if (/[\s\u0000-\u001f\u007f]/.test(url)) throw invalid(url, 'it contains spaces or control characters');
  if (url.startsWith('-')) throw invalid(url, 'it starts with "-"');

  const aliased = HEROKU_SHORT_NAMES[url.toLowerCase()];
  if (aliased) return { kind: 'builtin', url: aliased, id: aliased, alias: url };
  const heroku = /^heroku(?:-community)?\/([a-z0-9-]+)$/i.exec(url);
  if (heroku) {
    throw new UserError(
      `paas has no built-in buildpack for "${printable(url)}"; give its git URL instead, ` +
        `e.g. https://github.com/heroku/heroku-buildpack-${heroku[1].toLowerCase()}.git (built-in: ${builtinNames()})`,
    );
  }

  if (/^paas\/[^/]+$/.test(url)) {
    const builtin = findBuiltin(url);
    if (!builtin) throw new UserError(`unknown built-in buildpack "${printable(url)}"; the built-in ones are: ${builtinNames()}`);
    return { kind: 'builtin', url, id: builtin.id };
  }

  const hash = url.lastIndexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const ref = hash === -1 ? undefined : url.slice(hash + 1);
  if (ref !== undefined && !REF.test(ref)) throw invalid(url, `"#${printable(ref)}" is not a branch, tag or commit`);
  if (ref?.includes('..')) throw invalid(url, 'the ref contains ".."');

  if (base.startsWith('file://')) {
    const path = decodeURIComponent(base.slice('file://'.length));
    if (!path.startsWith('/')) throw invalid(url, 'a file:// URL needs an absolute path (file:///srv/buildpacks/mine)');
    return { kind: 'local', url, path: normalizePath(path), ...(ref ? { ref } : {}) };
  }
  if (base.startsWith('/')) return { kind: 'local', url, path: normalizePath(base), ...(ref ? { ref } : {}) };
  if (TARBALL.test(base)) throw invalid(url, 'tarball buildpacks are not supported');
  const scheme = GIT_SCHEMES.exec(base);
  if (scheme) return { kind: 'git', url, remote: base, ...(ref ? { ref } : {}), ...gitAddress(url, scheme[1], scheme[2]) };
  const scp = SCP_LIKE.exec(base);
  if (scp) return { kind: 'git', url, remote: base, ...(ref ? { ref } : {}), transport: 'ssh', host: scp[2] };
  throw invalid(url, 'it is not a URL, a path or a built-in name');
}

/** Which transport and host a `scheme://authority/...` git URL reaches; refuses hosts git or ssh could misread. */
function gitAddress(url: string, scheme: string, authority: string): { transport: GitTransport; host: string; port?: number } {
  const parts = AUTHORITY.exec(authority);
  if (!parts || parts[1]?.startsWith('-')) throw invalid(url, `"${printable(authority)}" is not a host name`);
  const name = scheme.toLowerCase().replace(/^git\+/, '');
  const transport: GitTransport = name === 'ssh' ? 'ssh' : name === 'git' ? 'git' : name === 'http' ? 'http' : 'https';
  const port = parts[3] === undefined ? undefined : Number(parts[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw invalid(url, `port ${port} is out of range`);
  return { transport, host: parts[2].replace(/^\[|\]$/g, '').toLowerCase(), ...(port ? { port } : {}) };
}

function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** The folder name a buildpack gets in the build container: `01_nodejs`, `02_my-buildpack`. Pure. */
export function buildpackDirName(source: BuildpackSource, index: number): string {
  const raw =
    source.kind === 'builtin'
      ? source.id.slice('paas/'.length)
      : ((source.kind === 'git' ? source.remote : source.path).replace(/\/+$/, '').split(/[/:]/).pop() ?? 'buildpack');
  const name =
    raw
      .replace(/\.git$/, '')
      .replace(/^heroku-buildpack-/, '')
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 40) || 'buildpack';
  return `${String(index + 1).padStart(2, '0')}_${name}`;
}
