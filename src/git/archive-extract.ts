import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { constants } from 'node:buffer';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { UserError } from '../core/errors.js';
import { formatSize } from '../core/sizes.js';
import { printable } from '../core/names.js';
import { zipEntries } from './zip-reader.js';

export type ArchiveType = 'tar' | 'tar.gz' | 'zip';
export const ARCHIVE_TYPES: readonly ArchiveType[] = ['tar', 'tar.gz', 'zip'];

/** What an archive holds, read into memory: files (with their mode), folders and links. */
export interface ArchiveEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink';
  data?: Buffer;
  executable?: boolean;
  linkTarget?: string;
}

export interface ExtractLimits {
  /** Bytes all files may add up to once unpacked. */
  maxBytes: number;
  maxEntries: number;
}

/** The archive's type from its first bytes (gzip, zip, else tar). Pure. */
export function detectArchiveType(data: Buffer): ArchiveType {
  if (data[0] === 0x1f && data[1] === 0x8b) return 'tar.gz';
  if (
    data.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) ||
    data.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  )
    return 'zip';
  return 'tar';
}

/**
 * An entry's path inside the archive as a clean relative path, or undefined for the archive's
 * root (`./`). Absolute paths and `..` are refused: nothing is written outside the folder. Pure.
 */
export function entryPath(raw: string): string | undefined {
  const path = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (path === '' || path === '.') return undefined;
  if (path.startsWith('/') || path.split('/').includes('..') || /[\u0000]/.test(path)) {
    throw new UserError(`the archive has an unsafe path "${printable(raw)}" (absolute or with ..)`);
  }
  return posix.normalize(path);
}

/** Reads every entry of an archive held in memory, within the limits. */
export async function readArchive(data: Buffer, type: ArchiveType, limits: ExtractLimits): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  let total = 0;
  const add = (entry: ArchiveEntry) => {
    total += entry.data?.length ?? 0;
    if (total > limits.maxBytes)
      throw new UserError(`the archive unpacks to more than ${formatSize(limits.maxBytes)}; raise PAAS_MAX_PUSH_SIZE to allow it`);
    if (entries.length >= limits.maxEntries) throw new UserError(`the archive has more than ${limits.maxEntries} entries`);
    entries.push(entry);
  };
  if (type === 'zip') {
    for (const entry of zipEntries(data)) {
      const path = entryPath(entry.path);
      if (path === undefined) continue;
      if (entry.directory) add({ path, type: 'directory' });
      else if (entry.symlink) add({ path, type: 'symlink', linkTarget: entry.read(4096).toString('utf8') });
      else add({ path, type: 'file', data: entry.read(limits.maxBytes - total) });
    }
    return entries;
  }
  let tarData = data;
  if (type === 'tar.gz') {
    try {
      tarData = gunzipSync(data, { maxOutputLength: Math.min(limits.maxBytes + 1024 * 1024, constants.MAX_LENGTH) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        code === 'ERR_BUFFER_TOO_LARGE'
          ? `the archive unpacks to more than ${formatSize(limits.maxBytes)}`
          : 'the archive is not a readable tar.gz file',
      );
    }
  }
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        try {
          const path = entryPath(header.name);
          if (path !== undefined) {
            if (header.type === 'directory') add({ path, type: 'directory' });
            else if (header.type === 'symlink') add({ path, type: 'symlink', linkTarget: header.linkname ?? '' });
            else if (header.type === 'file' || header.type === 'contiguous-file') {
              add({ path, type: 'file', data: Buffer.concat(chunks), executable: ((header.mode ?? 0) & 0o111) !== 0 });
            }
          }
          next();
        } catch (error) {
          next(error as Error);
        }
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', (error: Error) =>
      reject(error instanceof UserError ? error : new UserError(`the archive is not a readable ${type} file`)),
    );
  });
  Readable.from([tarData]).pipe(extract);
  await done;
  if (entries.length === 0) throw new UserError('the archive is empty (or not a tar, tar.gz or zip archive)');
  return entries;
}

/** A GitHub-style archive (everything in one top folder) loses that folder. Pure. */
export function stripTopFolder(entries: readonly ArchiveEntry[]): ArchiveEntry[] {
  const tops = new Set(entries.map((e) => e.path.split('/')[0]));
  const [top] = tops;
  const single =
    tops.size === 1 && entries.some((e) => e.path.includes('/')) && !entries.some((e) => e.path === top && e.type !== 'directory');
  if (!single) return [...entries];
  return entries.filter((e) => e.path !== top).map((e) => ({ ...e, path: e.path.slice(top.length + 1) }));
}

/**
 * Writes the entries into an empty folder: folders and files first, links last, so no file is
 * ever written through a link the archive made. Later duplicates of a path are skipped.
 */
export function writeEntries(folder: string, entries: readonly ArchiveEntry[]): void {
  const seen = new Set<string>();
  const ordered = [...entries.filter((e) => e.type !== 'symlink'), ...entries.filter((e) => e.type === 'symlink')];
  for (const entry of ordered) {
    if (seen.has(entry.path)) continue;
    seen.add(entry.path);
    try {
      writeEntry(folder, entry);
    } catch (error) {
      throw new UserError(
        `cannot unpack "${printable(entry.path)}" from the archive: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
}

function writeEntry(folder: string, entry: ArchiveEntry): void {
  const target = join(folder, entry.path);
  if (entry.type === 'directory') {
    mkdirSync(target, { recursive: true });
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  if (existsAsAnything(target)) return;
  if (entry.type === 'symlink') symlinkSync(entry.linkTarget ?? '', target);
  else writeFileSync(target, entry.data ?? Buffer.alloc(0), { mode: entry.executable ? 0o755 : 0o644 });
}

function existsAsAnything(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
