import { deflateRawSync, gzipSync, crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { detectArchiveType, entryPath, readArchive, stripTopFolder } from '../../../src/git/archive-extract.js';
import { assertImageRef } from '../../../src/git/deploy-sources-part.js';
import { assertSourceAllowed, parseArchiveSource, parseGitSource, registryHost } from '../../../src/git/source-guard.js';

const LIMITS = { maxBytes: 1024 * 1024, maxEntries: 100 };

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: name.endsWith('.sh') ? 0o755 : 0o644 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A minimal zip (deflated entries) with its central directory, as zip tools write it. */
function zipOf(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('archives', () => {
  it('reads tar, tar.gz and zip, found from their first bytes', async () => {
    const files = { 'app-1.0/Dockerfile': 'FROM x\n', 'app-1.0/bin/run.sh': 'echo hi\n' };
    const tarball = await tarOf(files);
    for (const [data, type] of [
      [tarball, 'tar'],
      [gzipSync(tarball), 'tar.gz'],
      [zipOf(files), 'zip'],
    ] as const) {
      expect(detectArchiveType(data)).toBe(type);
      const entries = stripTopFolder(await readArchive(data, type, LIMITS));
      expect(entries.map((e) => [e.path, e.data?.toString()])).toEqual([
        ['Dockerfile', 'FROM x\n'],
        ['bin/run.sh', 'echo hi\n'],
      ]);
    }
    expect((await readArchive(tarball, 'tar', LIMITS))[1]!.executable).toBe(true);
  });

  it('keeps a top folder that is not alone, and refuses unsafe paths and oversized content', async () => {
    expect(
      stripTopFolder([
        { path: 'Dockerfile', type: 'file' },
        { path: 'www/index.html', type: 'file' },
      ]).map((e) => e.path),
    ).toEqual(['Dockerfile', 'www/index.html']);
    expect(entryPath('./a/./b/')).toBe('a/b');
    expect(entryPath('./')).toBeUndefined();
    expect(() => entryPath('../etc/passwd')).toThrow(/unsafe path/);
    expect(() => entryPath('/etc/passwd')).toThrow(/unsafe path/);
    await expect(readArchive(await tarOf({ '../x': 'y' }), 'tar', LIMITS)).rejects.toThrow(/unsafe path/);
    await expect(readArchive(await tarOf({ big: 'x'.repeat(2000) }), 'tar', { maxBytes: 1000, maxEntries: 10 })).rejects.toThrow(
      /unpacks to more than/,
    );
    await expect(readArchive(zipOf({ big: 'x'.repeat(2000) }), 'zip', { maxBytes: 1000, maxEntries: 10 })).rejects.toThrow(
      /more than the size limit/,
    );
    await expect(readArchive(Buffer.from('plain text, not an archive'), 'tar', LIMITS)).rejects.toThrow(/not a readable tar|empty/);
  });
});

describe('source rules', () => {
  it('parses git and archive locations', () => {
    expect(parseGitSource('https://example.com/me/app.git')).toEqual({
      url: 'https://example.com/me/app.git',
      transport: 'https',
      host: 'example.com',
    });
    expect(parseGitSource('git@example.com:me/app.git')).toMatchObject({ transport: 'ssh', host: 'example.com' });
    expect(parseGitSource('/srv/git/app.git')).toMatchObject({ transport: 'file' });
    expect(() => parseGitSource('--upload-pack=x')).toThrow(/invalid git repository/);
    expect(parseArchiveSource('https://example.com/a.tgz?x=1')).toMatchObject({ transport: 'https', host: 'example.com' });
    expect(() => parseArchiveSource('ftp://example.com/a.tar')).toThrow(/invalid archive location/);
    expect(registryHost('registry.example.com:5000/team/app:1')).toBe('registry.example.com');
    expect(registryHost('team/app:1')).toBeUndefined();
    expect(registryHost('alpine')).toBeUndefined();
  });

  it('lets remote callers use public https (or ssh) sources only', async () => {
    const check = (url: string, local: boolean) => assertSourceAllowed(parseGitSource(url), local, 'git repository', ['https', 'ssh']);
    await expect(check('file:///srv/git/app.git', true)).resolves.toBeUndefined();
    await expect(check('file:///srv/git/app.git', false)).rejects.toThrow(/only the paas command on the server may use/);
    await expect(check('http://93.184.216.34/app.git', false)).rejects.toThrow(/only https or ssh/);
    await expect(check('https://127.0.0.1/app.git', false)).rejects.toThrow(/private or loopback/);
    await expect(check('https://localhost/app.git', false)).rejects.toThrow(/private or loopback/);
    await expect(check('https://[::1]/app.git', false)).rejects.toThrow(/private or loopback/);
  });

  it('checks image references', () => {
    for (const good of ['alpine', 'alpine:3.20', 'registry.example.com:5000/team/app:1', `app@sha256:${'a'.repeat(64)}`])
      expect(assertImageRef(good)).toBe(good);
    for (const bad of ['Bad Image', '-rm', 'app:', 'a//b']) expect(() => assertImageRef(bad), bad).toThrow(/invalid image/);
  });
});
