import { createReadStream, createWriteStream, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { UserError } from '../core/errors.js';
import { open, seal } from './secret-box.js';

/** Suffix of a file sealed with the passphrase inside the archive. */
export const SEALED = '.enc';

/** What may be in a server backup; anything else is refused on import. Pure. */
export function allowedEntry(name: string): boolean {
  if (name.startsWith('/') || name.split('/').some((part) => part === '..' || part === '.')) return false;
  return /^(manifest\.json|paas\.db|images\.tar|(home|data)\/[^\0]+?)(\.enc)?\/?$/.test(name);
}

/** Writes a server backup as a tar stream; secret files are sealed when a passphrase is given. */
export class BackupWriter {
  private readonly pack = tar.pack();
  private readonly done: Promise<void>;

  constructor(
    out: Writable,
    private readonly passphrase: string | undefined,
  ) {
    this.done = pipeline(this.pack, out, { end: false });
  }

  async buffer(name: string, data: Buffer, secret = false): Promise<void> {
    const sealed = secret && this.passphrase !== undefined;
    const body = sealed ? seal(data, this.passphrase) : data;
    await new Promise<void>((resolve, reject) =>
      this.pack.entry({ name: sealed ? `${name}${SEALED}` : name, size: body.length, mode: 0o600 }, body, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  async file(name: string, path: string, secret = false): Promise<void> {
    if (secret && this.passphrase !== undefined) return this.buffer(name, readFileSync(path), true);
    const { size } = lstatSync(path);
    await new Promise<void>((resolve, reject) => {
      const entry = this.pack.entry({ name, size, mode: 0o600 }, (error) => (error ? reject(error) : resolve()));
      createReadStream(path).on('error', reject).pipe(entry);
    });
  }

  /** Every regular file under a folder, as `prefix/relative/path` (symlinks are left out); nothing when it is missing. */
  async tree(prefix: string, dir: string, secret = false): Promise<number> {
    let count = 0;
    const walk = async (relative: string): Promise<void> => {
      const here = join(dir, relative);
      for (const item of readdirSync(here, { withFileTypes: true })) {
        const path = join(here, item.name);
        const name = posix.join(prefix, relative, item.name);
        if (item.isDirectory()) {
          await walk(posix.join(relative, item.name));
        } else if (item.isFile()) {
          await this.file(name, path, secret);
          count++;
        }
      }
    };
    try {
      lstatSync(dir);
    } catch {
      return 0;
    }
    await walk('');
    return count;
  }

  async finish(): Promise<void> {
    this.pack.finalize();
    await this.done;
  }
}

/**
 * Unpacks a server backup into `staging`, opening sealed files with the passphrase. The manifest
 * comes first; `onManifest` may refuse the backup before anything else is read.
 */
export async function readBackup(
  input: Readable,
  staging: string,
  passphrase: string | undefined,
  onManifest: (manifest: unknown) => void,
): Promise<void> {
  const extract = tar.extract();
  let sawManifest = false;
  extract.on('entry', (header, stream, next) => {
    const fail = (error: unknown) => {
      stream.resume();
      extract.destroy(error instanceof Error ? error : new Error(String(error)));
    };
    try {
      const name = header.name.replace(/^\.\//, '');
      if (!allowedEntry(name)) throw new UserError(`not a paas server backup: unexpected entry "${name.slice(0, 80)}"`);
      if (!sawManifest && name !== 'manifest.json') throw new UserError('not a paas server backup: it must start with manifest.json');
      const target = join(staging, name.endsWith(SEALED) ? name.slice(0, -SEALED.length) : name);
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      if (header.type === 'directory') {
        mkdirSync(target, { recursive: true, mode: 0o700 });
        stream.resume();
        return void stream.on('end', next);
      }
      if (header.type !== 'file') throw new UserError(`not a paas server backup: "${name.slice(0, 80)}" is a ${header.type}`);
      if (name === 'manifest.json' || name.endsWith(SEALED)) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
        stream.on('error', fail);
        stream.on('end', () => {
          try {
            let data: Buffer = Buffer.concat(chunks);
            if (name === 'manifest.json') {
              sawManifest = true;
              onManifest(JSON.parse(data.toString('utf8')) as unknown);
            } else {
              if (passphrase === undefined) throw new UserError('this backup is encrypted; give its passphrase with --passphrase');
              data = open(data, passphrase);
            }
            writeFileSync(target, data, { mode: 0o600 });
            next();
          } catch (error) {
            fail(error);
          }
        });
        return;
      }
      pipeline(stream, createWriteStream(target, { mode: 0o600 })).then(() => next(), fail);
    } catch (error) {
      fail(error);
    }
  });
  await pipeline(input, extract);
  if (!sawManifest) throw new UserError('not a paas server backup: the input is empty or has no manifest.json');
}
