import { describe, expect, it } from 'vitest';
import { ENTRYPOINT, imageFiles, redisDockerfile } from '../../../../src/plugins/redis/image-definition.js';
import { REDIS, imageMajor, redisCli, redisServerArgs, redisUrl } from '../../../../src/plugins/redis/redis-service.js';
import { imageHash } from '../../../../src/plugins/service-kit/image-hash.js';

describe('redis service definition', () => {
  it('links as REDIS_URL on the service hostname, the password percent-encoded', () => {
    expect(REDIS.linkKey).toBe('REDIS_URL');
    expect(REDIS.url({ name: 'cache', password: 'abc123' }, 'paas-redis-cache')).toBe('redis://:abc123@paas-redis-cache:6379');
    const url = new URL(redisUrl('h', 'p@ss:w/rd%'));
    expect(decodeURIComponent(url.password)).toBe('p@ss:w/rd%');
    expect([url.hostname, url.port]).toEqual(['h', '6379']);
  });

  it('persists every write to the append-only file in the volume and asks for the password', () => {
    const args = redisServerArgs('s3cret-pass');
    expect(args[0]).toBe('redis-server');
    expect(args.join(' ')).toContain('--dir /data --appendonly yes --appendfsync everysec --requirepass s3cret-pass');
    // DEBUG (redis:import's reload) only from inside the container, never from a linked app.
    expect(args.join(' ')).toContain('--enable-debug-command local');
    expect(REDIS.dataPath('7')).toBe('/data');
    expect(REDIS.container({ name: 'c', password: 'pw', image: 'redis:7', memoryMb: null, dataPath: '/data' }).cmd).toEqual(
      redisServerArgs('pw'),
    );
  });

  it('leaves out --enable-debug-command for redis 6 and older, which would refuse to start with it', () => {
    expect(imageMajor('redis:6.2')).toBe(6);
    expect(imageMajor('registry:5000/team/redis:7-alpine')).toBe(7);
    expect(imageMajor('redis:latest')).toBeUndefined();
    expect(redisServerArgs('pw', 'redis:6.2')).not.toContain('--enable-debug-command');
    expect(redisServerArgs('pw', 'paas/redis:7')).toContain('--enable-debug-command');
    expect(redisServerArgs('pw', 'redis:latest')).toContain('--enable-debug-command');
  });

  it('gives redis-cli the password in its environment, not on its command line', () => {
    const { cmd, env } = redisCli('s3cret-pass', ['PING']);
    expect(cmd).toEqual(['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'PING']);
    expect(env).toEqual(['REDISCLI_AUTH=s3cret-pass']);
    expect(REDIS.readiness({ name: 'c', password: 'pw' }).expect?.test('PONG\n')).toBe(true);
  });

  it('builds its image FROM the stack with Debian’s redis-server, rebuilt when the definition changes', () => {
    expect(redisDockerfile('paas/stack:run')).toMatch(/^FROM paas\/stack:run\n/);
    expect(redisDockerfile('x')).toContain('apt-get install -y -q --no-install-recommends redis-server');
    expect(ENTRYPOINT).toContain('exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"');
    expect(imageHash(imageFiles('a'))).not.toBe(imageHash(imageFiles('b')));
    expect(REDIS.image).toMatchObject({ official: 'redis', defaultVersion: '7', built: { tag: 'paas/redis:7' } });
  });
});
