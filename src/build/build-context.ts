import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { cleanPath, isIgnored } from './dockerignore.js';
import type { DockerIgnore } from './dockerignore.js';

/**
 * The build context arrives as a tar file on disk (`git archive --format=tar REV`). These helpers
 * read single files out of it and re-pack it for `docker build` without unpacking it to disk.
 */

export interface ContextOptions {
  /** Build from this directory of the tar: only entries under it, with the prefix removed. */
  subdir?: string;
  /** Entries it excludes are dropped, except the Dockerfile and `.dockerignore` (Docker keeps both). */
  ignore?: DockerIgnore;
  /** The Dockerfile's path inside the context, kept even when ignored. Default `Dockerfile`. */
  dockerfile?: string;
}

const KEPT_TYPES: ReadonlySet<string> = new Set(['file', 'contiguous-file', 'directory', 'symlink', 'link']);

/** A tar member name as a clean relative path; `''` for the archive root. */
export function entryPath(name: string): string {
  const clean = cleanPath(name).replace(/^\/+/, '');
  return clean === '.' ? '' : clean;
}

/**
 * A relative path inside the context: no absolute paths, no `..` leaving it.
 * `what` names the setting in the error, e.g. `dockerfile path`.
 */
export function contextPath(path: string, what: string): string {
  const clean = cleanPath(path.trim());
  if (path.trim() === '' || clean.startsWith('/') || clean === '..' || clean.startsWith('../')) {
    throw new UserError(`invalid ${what} "${printable(path)}": use a path relative to the repository root`);
  }
  return clean === '.' ? '' : clean;
}

/**
 * The most paas reads into memory of one file of pushed code or of a build's output (Dockerfile,
 * Procfile, app.json, a buildpack's release output): far more than any real one holds.
 */
export const MAX_READ_FILE = 1024 * 1024;

/** A UserError for a file over MAX_READ_FILE, or nothing. `where` says whose file it is. */
export function assertReadableSize(path: string, size: number | undefined, where: string): void {
  if ((size ?? 0) > MAX_READ_FILE) {
    throw new UserError(
      `${printable(path)} ${where} is ${Math.ceil((size ?? 0) / 1024)} KB; paas reads at most ${MAX_READ_FILE / 1024} KB of it`,
    );
  }
}

/** The content of one regular file of the tar, or undefined when the tar has no such file. */
export async function readTarEntry(tarPath: string, name: string): Promise<Buffer | undefined> {
  return (await readTarEntries(tarPath, [name])).get(entryPath(name));
}

/**
 * Several regular files in one pass over the tar, keyed by their clean path (`entryPath`);
 * names the tar lacks are absent from the map. Stops reading once all were found.
 */
export async function readTarEntries(tarPath: string, names: readonly string[]): Promise<Map<string, Buffer>> {
  const wanted = new Set(names.map(entryPath));
  const found = new Map<string, Buffer>();
  const source = createReadStream(tarPath);
  const extract = tar.extract();
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const { type } = entry.header;
      const path = entryPath(entry.header.name);
      if ((type === 'file' || type === 'contiguous-file') && wanted.has(path) && !found.has(path)) {
        assertReadableSize(path, entry.header.size, 'in the pushed code');
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        found.set(path, Buffer.concat(chunks));
        if (found.size === wanted.size) break;
      } else {
        entry.resume();
      }
    }
    return found;
  } finally {
    source.destroy();
    extract.destroy();
  }
}

/** Where an entry goes in the new context, or undefined to drop it. Pure. */
export function mapEntryName(name: string, subdir: string): string | undefined {
  const path = entryPath(name);
  if (subdir === '') return path === '' ? undefined : path;
  if (!path.startsWith(`${subdir}/`)) return undefined;
  return path.slice(subdir.length + 1);
}

/**
 * The tar re-packed as a build context: entries outside `subdir` and those `.dockerignore`
 * excludes are dropped; names, modes, symlinks and directories are otherwise kept as they are.
 */
export function contextStream(tarPath: string, options: ContextOptions = {}): Readable {
  const subdir = options.subdir === undefined ? '' : contextPath(options.subdir, 'build directory');
  const alwaysKept = new Set(['.dockerignore', contextPath(options.dockerfile ?? 'Dockerfile', 'dockerfile path')]);
  const dropped = (path: string): boolean => options.ignore !== undefined && !alwaysKept.has(path) && isIgnored(options.ignore, path);

  const kept = new Set<string>();
  const source = createReadStream(tarPath);
  const extract = tar.extract();
  const pack = tar.pack();

  extract.on('entry', (header, stream, next) => {
    const target = mapEntryName(header.name, subdir);
    const type = header.type;
    let keep = target !== undefined && KEPT_TYPES.has(type) && !dropped(target);
    let linkname: string | undefined = header.linkname;
    if (keep && type === 'link') {
      // A hard link names another member, which must have been kept under its new name.
      linkname = linkname === undefined ? undefined : mapEntryName(linkname, subdir);
      keep = linkname !== undefined && kept.has(linkname);
    }
    if (!keep || target === undefined) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    kept.add(target);
    const sink = pack.entry(repackHeader(header, target, linkname), (error) => next(error));
    if (type === 'file' || type === 'contiguous-file') {
      stream.pipe(sink);
    } else {
      stream.resume();
      sink.end(null);
    }
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (error) => pack.destroy(error));
  source.on('error', (error) => pack.destroy(error));
  source.pipe(extract);

  // tar-stream streams are streamx streams; hand callers a genuine Node Readable.
  const output = Readable.from(pack, { objectMode: false });
  output.on('close', () => {
    source.destroy();
    extract.destroy();
    pack.destroy();
  });
  return output;
}

function repackHeader(header: Header, name: string, linkname?: string): Partial<Header> & Pick<Header, 'name'> {
  const { type } = header;
  return {
    name: type === 'directory' ? `${name}/` : name,
    type,
    mode: header.mode,
    size: type === 'file' || type === 'contiguous-file' ? header.size : 0,
    mtime: header.mtime,
    uid: header.uid,
    gid: header.gid,
    uname: header.uname,
    gname: header.gname,
    linkname: type === 'symlink' || type === 'link' ? linkname : undefined,
  };
}
