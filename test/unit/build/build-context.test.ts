import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_READ_FILE, contextStream, readTarEntries, readTarEntry } from '../../../src/build/build-context.js';
import { parseDockerIgnore } from '../../../src/build/dockerignore.js';
import { UserError } from '../../../src/core/errors.js';

interface Entry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  mode?: number;
  linkname?: string;
  content?: string | Buffer;
}

interface Unpacked {
  name: string;
  type: string;
  mode: number;
  linkname?: string;
  content?: string;
  mtime: number;
}

const dir = mkdtempSync(join(tmpdir(), 'paas-build-context-'));
let counter = 0;
const MTIME = new Date('2024-01-02T03:04:05Z');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a tar file with tar-stream, like `git archive` would produce. */
async function makeTar(entries: readonly Entry[]): Promise<string> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = {
      name: entry.name,
      type,
      mode: entry.mode ?? (type === 'directory' ? 0o775 : 0o664),
      mtime: MTIME,
      linkname: entry.linkname,
    };
    await new Promise<void>((resolve, reject) => {
      const callback = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (type === 'file') pack.entry(header, entry.content ?? '', callback);
      else pack.entry(header, callback).end(null);
    });
  }
  pack.finalize();
  await done;
  const path = join(dir, `context-${++counter}.tar`);
  await writeFile(path, Buffer.concat(chunks));
  return path;
}

/** Every entry of a tar stream, in order, with text content for files. */
async function unpack(stream: Readable): Promise<Unpacked[]> {
  const extract = tar.extract();
  stream.on('error', (error) => extract.destroy(error));
  stream.pipe(extract);
  const out: Unpacked[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const { header } = entry;
    out.push({
      name: header.name,
      type: header.type,
      mode: header.mode & 0o7777,
      ...(header.linkname ? { linkname: header.linkname } : {}),
      ...(header.type === 'file' ? { content: Buffer.concat(chunks).toString('utf8') } : {}),
      mtime: header.mtime.getTime(),
    });
  }
  return out;
}

const names = (entries: readonly Unpacked[]): string[] => entries.map((entry) => entry.name);

const app: Entry[] = [
  { name: 'Dockerfile', content: 'FROM scratch\n' },
  { name: '.dockerignore', content: '*.log\nsecrets\n!secrets/public.pem\nDockerfile\n.dockerignore\n' },
  { name: 'index.html', content: '<h1>hi</h1>\n' },
  { name: 'debug.log', content: 'noise' },
  { name: 'bin/', type: 'directory' },
  { name: 'bin/start', mode: 0o775, content: '#!/bin/sh\nexec httpd\n' },
  { name: 'current', type: 'symlink', linkname: 'bin/start' },
  { name: 'secrets/', type: 'directory', mode: 0o700 },
  { name: 'secrets/private.key', mode: 0o600, content: 'KEY' },
  { name: 'secrets/public.pem', content: 'PEM' },
];

describe('readTarEntry', () => {
  it('returns the content of a regular file', async () => {
    const tarPath = await makeTar(app);
    expect((await readTarEntry(tarPath, 'index.html'))?.toString()).toBe('<h1>hi</h1>\n');
    expect((await readTarEntry(tarPath, './bin/start'))?.toString()).toBe('#!/bin/sh\nexec httpd\n');
  });

  it('returns undefined for a missing name, a directory or a symlink', async () => {
    const tarPath = await makeTar(app);
    expect(await readTarEntry(tarPath, 'Procfile')).toBeUndefined();
    expect(await readTarEntry(tarPath, 'bin')).toBeUndefined();
    expect(await readTarEntry(tarPath, 'current')).toBeUndefined();
  });

  it('refuses to read a file larger than MAX_READ_FILE into memory', async () => {
    const tarPath = await makeTar([{ name: 'app.json', content: Buffer.alloc(MAX_READ_FILE + 1, 32) }]);
    await expect(readTarEntry(tarPath, 'app.json')).rejects.toThrow(
      /app\.json in the pushed code is 1025 KB; paas reads at most 1024 KB of it/,
    );
  });

  it('matches names written with ./ in the tar', async () => {
    const tarPath = await makeTar([{ name: './Procfile', content: 'web: httpd\n' }]);
    expect((await readTarEntry(tarPath, 'Procfile'))?.toString()).toBe('web: httpd\n');
  });

  it('reads several files in one pass', async () => {
    const tarPath = await makeTar(app);
    const files = await readTarEntries(tarPath, ['Dockerfile', '.dockerignore', 'app.json']);
    expect([...files.keys()].sort()).toEqual(['.dockerignore', 'Dockerfile']);
    expect(files.get('Dockerfile')?.toString()).toBe('FROM scratch\n');
  });

  it('rejects when the tar file does not exist', async () => {
    await expect(readTarEntry(join(dir, 'missing.tar'), 'Dockerfile')).rejects.toThrow(/ENOENT/);
  });
});

describe('contextStream', () => {
  it('re-packs every entry unchanged without options: names, types, modes, links, content, mtime', async () => {
    const tarPath = await makeTar(app);
    const entries = await unpack(contextStream(tarPath));
    expect(entries).toEqual([
      { name: 'Dockerfile', type: 'file', mode: 0o664, content: 'FROM scratch\n', mtime: MTIME.getTime() },
      { name: '.dockerignore', type: 'file', mode: 0o664, content: app[1]!.content, mtime: MTIME.getTime() },
      { name: 'index.html', type: 'file', mode: 0o664, content: '<h1>hi</h1>\n', mtime: MTIME.getTime() },
      { name: 'debug.log', type: 'file', mode: 0o664, content: 'noise', mtime: MTIME.getTime() },
      { name: 'bin/', type: 'directory', mode: 0o775, mtime: MTIME.getTime() },
      { name: 'bin/start', type: 'file', mode: 0o775, content: '#!/bin/sh\nexec httpd\n', mtime: MTIME.getTime() },
      { name: 'current', type: 'symlink', mode: 0o664, linkname: 'bin/start', mtime: MTIME.getTime() },
      { name: 'secrets/', type: 'directory', mode: 0o700, mtime: MTIME.getTime() },
      { name: 'secrets/private.key', type: 'file', mode: 0o600, content: 'KEY', mtime: MTIME.getTime() },
      { name: 'secrets/public.pem', type: 'file', mode: 0o664, content: 'PEM', mtime: MTIME.getTime() },
    ]);
  });

  it('drops what .dockerignore excludes but keeps the Dockerfile and .dockerignore', async () => {
    const tarPath = await makeTar(app);
    const ignore = parseDockerIgnore(app[1]!.content!.toString());
    const entries = await unpack(contextStream(tarPath, { ignore }));
    // `secrets` itself is excluded; its re-included child still comes through.
    expect(names(entries)).toEqual(['Dockerfile', '.dockerignore', 'index.html', 'bin/', 'bin/start', 'current', 'secrets/public.pem']);
  });

  it('keeps a Dockerfile at a custom path even when ignored', async () => {
    const tarPath = await makeTar([
      { name: 'docker/', type: 'directory' },
      { name: 'docker/web.Dockerfile', content: 'FROM scratch\n' },
      { name: 'docker/notes.txt', content: 'x' },
      { name: 'Dockerfile', content: 'FROM other\n' },
    ]);
    const ignore = parseDockerIgnore('docker\nDockerfile\n');
    const entries = await unpack(contextStream(tarPath, { ignore, dockerfile: 'docker/web.Dockerfile' }));
    expect(names(entries)).toEqual(['docker/web.Dockerfile']);
  });

  it('with subdir keeps only entries under it, with the prefix removed', async () => {
    const tarPath = await makeTar([
      { name: 'README.md', content: 'top' },
      { name: 'services/', type: 'directory' },
      { name: 'services/web/', type: 'directory' },
      { name: 'services/web/Dockerfile', content: 'FROM scratch\n' },
      { name: 'services/web/.dockerignore', content: 'tmp\n' },
      { name: 'services/web/tmp/', type: 'directory' },
      { name: 'services/web/tmp/cache', content: 'c' },
      { name: 'services/web/run', mode: 0o755, content: 'r' },
      { name: 'services/web/run-link', type: 'link', linkname: 'services/web/run' },
      { name: 'services/webby/other', content: 'not under services/web' },
      { name: 'services/worker/Dockerfile', content: 'FROM scratch\n' },
    ]);
    const ignore = parseDockerIgnore('tmp\n');
    const entries = await unpack(contextStream(tarPath, { subdir: './services/web/', ignore }));
    expect(names(entries)).toEqual(['Dockerfile', '.dockerignore', 'run', 'run-link']);
    expect(entries[2]).toMatchObject({ mode: 0o755, content: 'r' });
    expect(entries[3]).toMatchObject({ type: 'link', linkname: 'run' });
  });

  it('drops a hard link whose target was dropped, and entries that are not files, dirs or links', async () => {
    const tarPath = await makeTar([
      { name: 'big.bin', content: 'x' },
      { name: 'big-link', type: 'link', linkname: 'big.bin' },
      { name: 'pipe', type: 'fifo' },
      { name: 'keep.txt', content: 'k' },
    ]);
    const entries = await unpack(contextStream(tarPath, { ignore: parseDockerIgnore('*.bin') }));
    expect(names(entries)).toEqual(['keep.txt']);
  });

  it('keeps long and non-ASCII names and large files intact', async () => {
    const long = `${'deep/'.repeat(30)}file-with-a-long-name.txt`;
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 'abcdefg');
    const tarPath = await makeTar([
      { name: long, content: 'long' },
      { name: 'héllo ✓.txt', content: 'unicode' },
      { name: 'big.bin', content: big },
    ]);
    const entries = await unpack(contextStream(tarPath));
    expect(names(entries)).toEqual([long, 'héllo ✓.txt', 'big.bin']);
    expect(entries[2]!.content!.length).toBe(big.length);
    expect(entries[2]!.content).toBe(big.toString('utf8'));
  });

  it('re-packs real `git archive` output, pax global header included', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'www'), { recursive: true });
    writeFileSync(join(repo, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(repo, 'www/index.html'), 'hello\n');
    writeFileSync(join(repo, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    symlinkSync('www/index.html', join(repo, 'index.html'));
    const git = (...args: string[]): Buffer => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
    const tarPath = join(dir, 'git.tar');
    writeFileSync(tarPath, git('archive', '--format=tar', 'HEAD'));

    expect((await readTarEntry(tarPath, 'Dockerfile'))?.toString()).toBe('FROM scratch\n');
    const entries = await unpack(contextStream(tarPath));
    expect(names(entries)).toEqual(['Dockerfile', 'index.html', 'run.sh', 'www/', 'www/index.html']);
    expect(entries[1]).toMatchObject({ type: 'symlink', linkname: 'www/index.html' });
    expect(entries[2]!.mode & 0o111).not.toBe(0);
  });

  it('errors the stream when the tar file does not exist', async () => {
    await expect(unpack(contextStream(join(dir, 'missing.tar')))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a subdir or dockerfile path that leaves the repository', () => {
    expect(() => contextStream(join(dir, 'x.tar'), { subdir: '../up' })).toThrow(UserError);
    expect(() => contextStream(join(dir, 'x.tar'), { dockerfile: '/etc/passwd' })).toThrow(/invalid dockerfile path "\/etc\/passwd"/);
  });
});
