import { describe, expect, it } from 'vitest';
import { bindOf, checkHostPath, chownId, parseMount, parseStoredMounts, type HostPolicy } from '../../../src/storage/mount-spec.js';

describe('parseMount', () => {
  it('takes a storage name or an absolute path, a container path and :ro', () => {
    expect(parseMount('blog-uploads:/app/uploads')).toEqual({ host: 'blog-uploads', container: '/app/uploads', readonly: false });
    expect(parseMount('/srv/fonts/:/app//fonts/:ro')).toEqual({ host: '/srv/fonts', container: '/app/fonts', readonly: true });
    expect(parseMount('/srv/fonts:/app/fonts:rw').readonly).toBe(false);
  });

  it('refuses what Docker would misread or resolve somewhere else', () => {
    expect(() => parseMount('blog-uploads')).toThrow(/HOST:CONTAINER/);
    expect(() => parseMount('a:/b:ro:x')).toThrow(/HOST:CONTAINER/);
    expect(() => parseMount('a:/b:z')).toThrow(/only ro .* and rw/);
    expect(() => parseMount('a:relative')).toThrow(/container path .* must be absolute/);
    expect(() => parseMount('a:/')).toThrow(/cannot be \//);
    expect(() => parseMount('/srv/../etc:/x')).toThrow(/\.\. is not allowed/);
    expect(() => parseMount('a:/x/../y')).toThrow(/\.\. is not allowed/);
    expect(() => parseMount('/srv/a,b:/x')).toThrow(/no commas/);
    expect(() => parseMount('Uploads:/x')).toThrow(/invalid host/);
    expect(() => parseMount('./up:/x')).toThrow(/invalid host/);
  });
});

describe('chownId', () => {
  it("maps Dokku's names and numeric uids; false leaves the owner", () => {
    expect(chownId('heroku')).toBe(1000);
    expect(chownId('herokuish')).toBe(32767);
    expect(chownId('paketo')).toBe(2000);
    expect(chownId('root')).toBe(0);
    expect(chownId('4242')).toBe(4242);
    expect(chownId('false')).toBeUndefined();
    expect(() => chownId('nobody')).toThrow(/invalid --chown/);
    expect(() => chownId('-1')).toThrow(/invalid --chown/);
  });
});

describe('checkHostPath', () => {
  const policy = (local: boolean): HostPolicy => ({
    root: '/var/lib/paas/storage',
    home: '/var/lib/paas',
    sockets: ['/var/run/docker.sock'],
    local,
  });

  it('lets anyone mount a storage folder itself', () => {
    for (const local of [true, false]) expect(checkHostPath('/var/lib/paas/storage/up', policy(local))).toBe('/var/lib/paas/storage/up');
  });

  it('lets only the local socket mount other folders', () => {
    expect(checkHostPath('/srv/shared', policy(true))).toBe('/srv/shared');
    expect(() => checkHostPath('/srv/shared', policy(false))).toThrow(/from a remote client only storage folders/);
    expect(() => checkHostPath('/var/lib/paas/storage/up/sub', policy(false))).toThrow(/only storage folders/);
  });

  it("refuses /, paas's state, the storage root and the Docker socket from anyone", () => {
    for (const local of [true, false]) {
      expect(() => checkHostPath('/', policy(local))).toThrow(/refusing to mount \//);
      expect(() => checkHostPath('/var/lib/paas/storage', policy(local))).toThrow(/storage root/);
    }
    expect(() => checkHostPath('/var/lib/paas', policy(true))).toThrow(/paas's own state/);
    expect(() => checkHostPath('/var/lib', policy(true))).toThrow(/holds paas's own state/);
    expect(() => checkHostPath('/var/lib/paas/repos', policy(true))).toThrow(/paas's own state/);
    expect(() => checkHostPath('/var/lib/paas/storage/up/sub', policy(true))).toThrow(/storage folder itself/);
    expect(() => checkHostPath('/var/run', policy(true))).toThrow(/socket/);
    expect(() => checkHostPath('/var/run/docker.sock', policy(true))).toThrow(/socket/);
  });
});

describe('stored mounts', () => {
  it("render as Docker's binds and ignore what is unreadable", () => {
    const mounts = parseStoredMounts(
      JSON.stringify([{ host: '/a', container: '/b', readonly: true }, { host: 1 }, { host: '/c', container: '/d' }]),
    );
    expect(mounts.map(bindOf)).toEqual(['/a:/b:ro', '/c:/d']);
    expect(parseStoredMounts('not json')).toEqual([]);
    expect(parseStoredMounts(undefined)).toEqual([]);
  });
});
