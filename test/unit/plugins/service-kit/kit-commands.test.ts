import { describe, expect, it } from 'vitest';
import { POSTGRES } from '../../../../src/plugins/postgres/postgres-service.js';
import { describeExposed, parseExposeArgs } from '../../../../src/plugins/service-kit/exposed-ports.js';
import { splitImage } from '../../../../src/plugins/service-kit/image-ref.js';
import { assertPropertyKey, extraNetworks, parsePropertyValue } from '../../../../src/plugins/service-kit/properties.js';

describe('expose arguments', () => {
  it('default to every interface, a port chosen later, and take IP:PORT', () => {
    expect(parseExposeArgs([], [5432])).toEqual([{ hostIp: '0.0.0.0' }]);
    expect(parseExposeArgs(['15432'], [5432])).toEqual([{ hostIp: '0.0.0.0', hostPort: 15432 }]);
    expect(parseExposeArgs(['127.0.0.1:15432'], [5432])).toEqual([{ hostIp: '127.0.0.1', hostPort: 15432 }]);
    expect(describeExposed([{ hostIp: '127.0.0.1', hostPort: 15432 }], [5432])).toBe('127.0.0.1:15432->5432');
  });

  it('refuse bad ports, bad addresses and more ports than the service has', () => {
    expect(() => parseExposeArgs(['0'], [5432])).toThrow(/invalid port "0"/);
    expect(() => parseExposeArgs(['70000'], [5432])).toThrow(/invalid port/);
    expect(() => parseExposeArgs(['300.1.1.1:5432'], [5432])).toThrow(/invalid port/);
    expect(() => parseExposeArgs(['localhost:5432'], [5432])).toThrow(/invalid port/);
    expect(() => parseExposeArgs(['1', '2'], [5432])).toThrow(/listens on one port \(5432\): give at most 1 host port$/);
  });
});

describe('set properties', () => {
  it("accept Dokku's network keys and refuse the rest with the supported list", () => {
    expect(assertPropertyKey('post-create-network', 'postgres')).toBe('post-create-network');
    expect(() => assertPropertyKey('initial-network', 'postgres')).toThrow(
      /initial-network is not supported: .*; supported keys: post-create-network, post-start-network$/,
    );
    expect(() => assertPropertyKey('shm-size', 'redis')).toThrow(/unknown redis:set key "shm-size"; supported keys: post-create-network/);
  });

  it('store networks space-separated, and name each network once', () => {
    expect(parsePropertyValue('post-create-network', 'backend,reports')).toBe('backend reports');
    expect(parsePropertyValue('post-create-network', '')).toBe('');
    expect(() => parsePropertyValue('post-start-network', 'Bad Name!')).toThrow(/invalid network name/);
    expect(extraNetworks({ 'post-create-network': 'a b', 'post-start-network': 'b c' })).toEqual(['a', 'b', 'c']);
  });
});

describe('upgrade', () => {
  it('splits image references into repository and tag', () => {
    expect(splitImage('paas/postgres:15')).toEqual({ repository: 'paas/postgres', tag: '15' });
    expect(splitImage('registry:5000/team/redis')).toEqual({ repository: 'registry:5000/team/redis', tag: 'latest' });
  });

  it('postgres refuses another major version and accepts a minor one', () => {
    const refusal = POSTGRES.upgradeRefusal!;
    expect(refusal('postgres:15', 'postgres:15.4')).toBeUndefined();
    expect(refusal('paas/postgres:15', 'postgres:16')).toMatch(/^postgres 16 cannot read the data of postgres 15/);
    expect(refusal('postgres:15', 'postgres:latest')).toMatch(/give a numbered --image-version/);
  });
});
