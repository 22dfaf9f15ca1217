import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { type PinnedHost, pinHost, pinOrThrow, pinPublicHost } from '../core/pinned-host.js';

/**
 * Where git:sync, git:from-archive and git:from-image may fetch from. Root on the server (the
 * local socket) may name anything, server paths and file URLs included. A remote caller (API
 * token, SSH key) may only name public hosts over https (ssh for git), so paas never fetches a
 * server file or an internal service on their behalf.
 */
export type GitTransport = 'https' | 'http' | 'ssh' | 'git' | 'file';

export interface GitSource {
  url: string;
  transport: GitTransport;
  /** The host contacted; undefined for file sources. */
  host?: string;
  /** The port contacted, when the URL gives one. */
  port?: number;
}

/** Userinfo holds URL userinfo characters only: with `?`, `#` or `\` there, curl would read another host than the one checked. */
const SCHEME = /^(https?|ssh|git):\/\/(?:[A-Za-z0-9._~%!$&'()*+,;=:-]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/\S+$/;
const SCP = /^[A-Za-z0-9._-]+@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(?!\/\/)\S+$/;

/** A git remote URL for git:sync, or throws with the accepted forms. Pure. */
export function parseGitSource(url: string): GitSource {
  if (url.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(url)) throw invalidGit(url);
  const scheme = SCHEME.exec(url);
  if (scheme) return { url, transport: scheme[1] as GitTransport, ...hostAndPort(scheme[2], scheme[3]) };
  const scp = SCP.exec(url);
  if (scp) return { url, transport: 'ssh', host: scp[1] };
  if (url.startsWith('file:///') || url.startsWith('/')) return { url, transport: 'file' };
  throw invalidGit(url);
}

function hostAndPort(host: string, port: string | undefined): { host: string; port?: number } {
  return { host: host.replace(/^\[|\]$/g, ''), ...(port === undefined ? {} : { port: Number(port) }) };
}

/** The port a network source is reached on: the URL's, else its transport's default. Pure. */
export function sourcePort(source: GitSource): number {
  return source.port ?? { https: 443, http: 80, ssh: 22, git: 9418, file: 0 }[source.transport];
}

function invalidGit(url: string): UserError {
  return new UserError(
    `invalid git repository "${printable(url)}": use https://host/repo.git, git@host:repo.git or, on the server, a path or file:// URL`,
  );
}

/** An archive location for git:from-archive: an http(s) URL, or (server only) a path or file:// URL. Pure. */
export function parseArchiveSource(url: string): GitSource {
  const http = /^(https?):\/\/(?:[A-Za-z0-9._~%!$&'()*+,;=:-]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:[/?#]\S*)?$/.exec(
    url,
  );
  if (http) return { url, transport: http[1] as GitTransport, ...hostAndPort(http[2], http[3]) };
  if (url.startsWith('file:///') || url.startsWith('/')) return { url, transport: 'file' };
  throw new UserError(`invalid archive location "${printable(url)}": use an https:// URL, - for standard input, or on the server a path`);
}

/** The registry host of an image reference (`registry.example.com:5000/team/app:1`), if it names one. Pure. */
export function registryHost(image: string): string | undefined {
  const first = image.split('/')[0];
  if (!image.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) return undefined;
  return first.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}

/**
 * Refuses a source a remote caller may not use: another transport than https (or ssh for git),
 * server files, and hosts that are or resolve to private, loopback or link-local addresses. Returns
 * the pinned host the fetch must connect to (core/pinned-host.ts), so a second DNS answer cannot
 * move it: always for a remote caller; for root (who may reach anything) over http(s) only, where
 * pinning changes nothing else; none for root's ssh (which may name a Host alias of ssh_config),
 * git:// and file sources.
 */
export async function assertSourceAllowed(
  source: GitSource,
  local: boolean,
  what: string,
  allowed: readonly GitTransport[],
): Promise<PinnedHost | undefined> {
  if (local) {
    if (source.transport !== 'https' && source.transport !== 'http') return undefined;
    return pinOrThrow(await pinHost(source.host!, true), source.host!, what, source.url);
  }
  if (source.transport === 'file') {
    throw new UserError(`${what} "${printable(source.url)}" is on the server, which only the paas command on the server may use`);
  }
  if (!allowed.includes(source.transport)) {
    throw new UserError(
      `${what} "${printable(source.url)}" uses ${source.transport}://; from a remote client only ${allowed.join(' or ')} is accepted`,
    );
  }
  return pinPublicHost(source.host!, what, source.url);
}
