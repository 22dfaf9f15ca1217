import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerDemux } from '../../../../src/docker/stream.js';
import { serviceContainerName, serviceHost, serviceLabels, serviceVolumeName } from '../../../../src/plugins/service-kit/docker-names.js';
import { imageHash } from '../../../../src/plugins/service-kit/image-hash.js';
import { chooseLinkKey, fallbackLinkKey } from '../../../../src/plugins/service-kit/link-env.js';
import { ENTRYPOINT, imageFiles, postgresDockerfile } from '../../../../src/plugins/postgres/image-definition.js';
import { dataMountPath, databaseName, serviceUrl } from '../../../../src/plugins/postgres/postgres-service.js';
import {
  assertAlias,
  assertImage,
  assertImageVersion,
  assertPassword,
  assertServiceName,
  generatePassword,
  parseMemory,
} from '../../../../src/plugins/service-kit/names.js';

describe('service names', () => {
  it('takes app-like names', () => {
    for (const name of ['db', 'blog-db', 'a1', `a${'b'.repeat(62)}`]) expect(assertServiceName(name)).toBe(name);
  });

  it('refuses hostile and malformed names with a one-line hint', () => {
    for (const name of ["'; drop", 'a b', 'Db', '1db', '-db', '', 'db;rm', '../db', 'db\n', `a${'b'.repeat(63)}`, 'dé']) {
      expect(() => assertServiceName(name), name).toThrow(/invalid service name .*lowercase letters, digits and dashes/);
    }
  });

  it('shows hostile input escaped and bounded in the error', () => {
    expect(() => assertServiceName('x\u0007y')).toThrow(/"x\\u0007y"/);
    expect(() => assertServiceName('x'.repeat(500))).toThrow(/\.\.\."/);
  });

  it('makes the database name a plain identifier', () => {
    expect(databaseName('blog-db-2')).toBe('blog_db_2');
  });
});

describe('passwords', () => {
  it('generates 32 hex characters, different each time', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(generatePassword()).not.toBe(a);
    expect(assertPassword(a)).toBe(a);
  });

  it('takes printable ASCII, URL and shell characters included', () => {
    for (const password of ['p@ss:w/rd$(x)%#?', 'abc!#$%&()*+,-./:;<=>?@[]^_{|}~', '12345678']) {
      expect(assertPassword(password)).toBe(password);
    }
  });

  it('refuses quotes, backslashes, whitespace, control and non-ASCII characters, and bad lengths', () => {
    for (const password of [
      "it's-secret",
      'say"hello"',
      'back\\slash',
      'two words',
      'tab\there1',
      'new\nline1',
      'bell\u0007abc',
      'pässwörd1',
      'back`tick`',
      'short',
      'x'.repeat(129),
    ]) {
      expect(() => assertPassword(password), password).toThrow(/invalid --password/);
    }
  });

  it('never echoes the password in the error', () => {
    expect(() => assertPassword("secret'value")).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });
});

describe('other flags', () => {
  it('memory is whole megabytes, at least 64', () => {
    expect(parseMemory('512')).toBe(512);
    for (const value of ['10', '1.5', '512m', '-1', '', '99999999']) expect(() => parseMemory(value), value).toThrow(/invalid --memory/);
  });

  it('image names and tags', () => {
    expect(assertImage('postgres')).toBe('postgres');
    expect(assertImage('registry.local:5000/team/postgres')).toBe('registry.local:5000/team/postgres');
    for (const image of ['postgres:15', 'Postgres', 'a b', '--rm', 'x;y'])
      expect(() => assertImage(image), image).toThrow(/invalid --image/);
    expect(assertImageVersion('15.6-bookworm')).toBe('15.6-bookworm');
    for (const version of ['', '-1', '15 6', "15'", 'x'.repeat(129)])
      expect(() => assertImageVersion(version), version).toThrow(/invalid --image-version/);
  });

  it('aliases are config-key-like and uppercased', () => {
    expect(assertAlias('reports_database')).toBe('REPORTS_DATABASE');
    for (const alias of ['1X', 'A-B', 'a b', '$X']) expect(() => assertAlias(alias), alias).toThrow(/invalid --alias/);
  });
});

describe('link URLs and keys', () => {
  it('builds the URL on the stable hostname, with the password percent-encoded', () => {
    expect(serviceUrl(serviceHost('postgres', 'blog-db'), 'abc123', 'blog_db')).toBe(
      'postgres://postgres:abc123@paas-postgres-blog-db:5432/blog_db',
    );
    const url = serviceUrl('h', 'p@ss:w/rd$(x)%#?', 'd');
    expect(url).toBe('postgres://postgres:p%40ss%3Aw%2Frd%24(x)%25%23%3F@h:5432/d');
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.password)).toBe('p@ss:w/rd$(x)%#?');
    expect([parsed.hostname, parsed.port, parsed.pathname]).toEqual(['h', '5432', '/d']);
  });

  it('uses DATABASE_URL, the alias, or a per-service name when DATABASE_URL is taken', () => {
    const link = (service: string, alias?: string) => ({ plugin: 'postgres', linkKey: 'DATABASE_URL', service, alias });
    expect(chooseLinkKey(link('db'), {})).toEqual({ key: 'DATABASE_URL' });
    expect(chooseLinkKey(link('db', 'REPORTS'), { DATABASE_URL: 'x' })).toEqual({ key: 'REPORTS_URL' });
    const taken = chooseLinkKey(link('blog-db'), { DATABASE_URL: 'x' });
    expect(taken.key).toBe('PAAS_POSTGRES_BLOG_DB_URL');
    expect(taken.note).toContain('DATABASE_URL is already set');
    expect(fallbackLinkKey('postgres', 'a-b-c')).toBe('PAAS_POSTGRES_A_B_C_URL');
    expect(chooseLinkKey({ plugin: 'redis', linkKey: 'REDIS_URL', service: 'cache', alias: undefined }, { REDIS_URL: 'x' }).key).toBe(
      'PAAS_REDIS_CACHE_URL',
    );
  });
});

describe('docker names', () => {
  it('keeps daemons apart by instance and labels everything', () => {
    // The names postgres services had before the kit: existing containers and volumes are found again.
    expect(serviceContainerName('ab12', 'postgres', 'db')).toBe('paas-ab12-postgres-db');
    expect(serviceVolumeName('ab12', 'postgres', 'db')).toBe('paas-postgres-ab12-db');
    expect(serviceHost('postgres', 'db')).toBe('paas-postgres-db');
    expect(serviceLabels('ab12', 'redis', 'db')).toEqual({
      'paas.instance': 'ab12',
      'paas.role': 'service',
      'paas.service': 'db',
      'paas.service-plugin': 'redis',
    });
  });

  it('mounts the data where the image keeps it', () => {
    expect(dataMountPath('15')).toBe('/var/lib/postgresql/data');
    expect(dataMountPath('17.2-bookworm')).toBe('/var/lib/postgresql/data');
    expect(dataMountPath('18')).toBe('/var/lib/postgresql');
    expect(dataMountPath('latest')).toBe('/var/lib/postgresql/data');
  });
});

describe('the image definition', () => {
  it('builds FROM the given stack image and hashes what it is made of', () => {
    expect(postgresDockerfile('paas/stack:bookworm')).toMatch(/^FROM paas\/stack:bookworm\n/);
    expect(postgresDockerfile('x')).toContain('postgresql-15');
    expect(imageHash(imageFiles('a'))).toBe(imageHash(imageFiles('a')));
    expect(imageHash(imageFiles('a'))).not.toBe(imageHash(imageFiles('b')));
    // The hash paas/postgres:15 was labelled with before the kit: a server that built it keeps it.
    const before = createHash('sha256').update(postgresDockerfile('run')).update('\0').update(ENTRYPOINT).digest('hex').slice(0, 16);
    expect(imageHash(imageFiles('run'))).toBe(before);
  });

  it('passes the password to initdb through a file, never through a command line', () => {
    expect(ENTRYPOINT).toContain(`printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"`);
    expect(ENTRYPOINT).toContain('--pwfile="$pwfile"');
    expect(ENTRYPOINT).toContain('--auth-host=scram-sha-256');
    expect(ENTRYPOINT).toContain("listen_addresses = '*'");
  });
});

describe('DockerDemux', () => {
  const frame = (kind: number, payload: Buffer) => {
    const header = Buffer.alloc(8);
    header[0] = kind;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };
  const collect = () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    return { sink, bytes: () => Buffer.concat(chunks) };
  };

  it('splits stdout and stderr byte for byte, whatever the chunking', async () => {
    const out = collect();
    const err = collect();
    const a = randomBytes(70_000);
    const b = randomBytes(3);
    const c = randomBytes(1);
    const stream = Buffer.concat([frame(1, a), frame(2, Buffer.from('warning\n')), frame(1, b), frame(1, Buffer.alloc(0)), frame(1, c)]);
    const demux = new DockerDemux(out.sink, err.sink);
    for (let offset = 0; offset < stream.length; offset += 777) demux.write(stream.subarray(offset, offset + 777));
    await new Promise<void>((resolve) => demux.end(resolve));
    expect(out.bytes().equals(Buffer.concat([a, b, c]))).toBe(true);
    expect(err.bytes().toString()).toBe('warning\n');
  });

  it('waits for a slow reader instead of buffering everything', async () => {
    const slow = new PassThrough({ highWaterMark: 16 });
    const demux = new DockerDemux(slow, collect().sink);
    let done = false;
    demux.write(frame(1, Buffer.alloc(1024)), () => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    slow.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(true);
  });
});
