import { assertPublicHost } from '../core/private-addresses.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

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
}

const SCHEME = /^(https?|ssh|git):\/\/(?:[^@/\s]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?\/\S+$/;
const SCP = /^[A-Za-z0-9._-]+@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(?!\/\/)\S+$/;

/** A git remote URL for git:sync, or throws with the accepted forms. Pure. */
export function parseGitSource(url: string): GitSource {
  if (url.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(url)) throw invalidGit(url);
  const scheme = SCHEME.exec(url);
  if (scheme) return { url, transport: scheme[1] as GitTransport, host: scheme[2].replace(/^\[|\]$/g, '') };
  const scp = SCP.exec(url);
  if (scp) return { url, transport: 'ssh', host: scp[1] };
  if (url.startsWith('file:///') || url.startsWith('/')) return { url, transport: 'file' };
  throw invalidGit(url);
}

function invalidGit(url: string): UserError {
  return new UserError(
    `invalid git repository "${printable(url)}": use https://host/repo.git, git@host:repo.git or, on the server, a path or file:// URL`,
  );
}

/** An archive location for git:from-archive: an http(s) URL, or (server only) a path or file:// URL. Pure. */
export function parseArchiveSource(url: string): GitSource {
  const http = /^(https?):\/\/(?:[^@/\s]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?(?:[/?#]\S*)?$/.exec(url);
  if (http) return { url, transport: http[1] as GitTransport, host: http[2].replace(/^\[|\]$/g, '') };
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
 * server files, and hosts that are or resolve to private, loopback or link-local addresses.
 */
export async function assertSourceAllowed(
  source: GitSource,
  local: boolean,
  what: string,
  allowed: readonly GitTransport[],
): Promise<void> {
  if (local) return;
  if (source.transport === 'file') {
    throw new UserError(`${what} "${printable(source.url)}" is on the server, which only the paas command on the server may use`);
  }
  if (!allowed.includes(source.transport)) {
    throw new UserError(
      `${what} "${printable(source.url)}" uses ${source.transport}://; from a remote client only ${allowed.join(' or ')} is accepted`,
    );
  }
  await assertPublicHost(source.host!, what, source.url);
}
