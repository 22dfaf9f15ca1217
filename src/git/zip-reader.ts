import { inflateRawSync } from 'node:zlib';
import { UserError } from '../core/errors.js';

export interface ZipEntry {
  path: string;
  directory: boolean;
  symlink: boolean;
  /** The entry's bytes, inflated on demand (stored and deflated entries only). */
  read(maxBytes: number): Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * The entries of a zip archive held in memory, read from its central directory. Stored and
 * deflated entries only; zip64, encryption and multi-disk archives are refused. Pure.
 */
export function zipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new UserError('the archive is not a readable zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff || count === 0xffff) throw new UserError('zip64 archives are not supported; use a tar or tar.gz archive');
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== CENTRAL) throw new UserError('the zip archive is damaged');
    const madeBy = zip.readUInt16LE(offset + 4) >> 8;
    const flags = zip.readUInt16LE(offset + 8);
    const method = zip.readUInt16LE(offset + 10);
    const compressed = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const external = zip.readUInt32LE(offset + 38);
    const local = zip.readUInt32LE(offset + 42);
    const path = zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8');
    offset += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw new UserError('encrypted zip archives are not supported');
    const mode = madeBy === 3 ? external >>> 16 : 0;
    entries.push({
      path,
      directory: path.endsWith('/'),
      symlink: (mode & 0o170000) === 0o120000,
      read(maxBytes) {
        if (size > maxBytes) throw new UserError(`the archive unpacks to more than the size limit (${path})`);
        if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL) throw new UserError('the zip archive is damaged');
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const data = zip.subarray(start, start + compressed);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
        throw new UserError(`zip compression method ${method} is not supported (${path}); use deflate, or a tar archive`);
      },
    });
  }
  return entries;
}
