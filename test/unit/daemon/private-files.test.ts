import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { secureHome } from '../../../src/daemon/home-permissions.js';
import { paths } from '../../../src/daemon/settings.js';
import { DeployLog } from '../../../src/deploy/deploy-log.js';
import { removeLeftoverSources } from '../../../src/deploy/deployer.js';

const made: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paas-unit-'));
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o7777;

describe('secureHome', () => {
  it('makes a PAAS_HOME another program created open (install.sh, an old paas) private, all the way down', () => {
    const home = join(scratch(), 'home');
    mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o755 });
    mkdirSync(join(home, 'repos', 'blog.git', 'objects'), { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    for (const file of ['paas.db', 'paas.db-wal', 'paas.db-shm', 'logs/daemon.out', 'repos/blog.git/objects/ab']) {
      writeFileSync(join(home, file), 'x', { mode: 0o644 });
    }
    chmodSync(join(home, 'repos/blog.git/objects/ab'), 0o444);

    expect(secureHome(paths(home))).toBeGreaterThan(0);

    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'logs'))).toBe(0o700);
    expect(mode(join(home, 'paas.db'))).toBe(0o600);
    expect(mode(join(home, 'paas.db-wal'))).toBe(0o600);
    expect(mode(join(home, 'logs/daemon.out'))).toBe(0o600);
    expect(mode(join(home, 'repos/blog.git/objects'))).toBe(0o700);
    expect(mode(join(home, 'repos/blog.git/objects/ab'))).toBe(0o400);
    expect(secureHome(paths(home))).toBe(0);
  });

  it('creates a missing PAAS_HOME 0700', () => {
    const home = join(scratch(), 'new', 'home');
    secureHome(paths(home));
    expect(mode(home)).toBe(0o700);
  });

  it('keeps the secret files and folders private in an already private home', () => {
    const home = scratch();
    chmodSync(home, 0o700);
    mkdirSync(join(home, 'builds'), { mode: 0o755 });
    writeFileSync(join(home, 'builds', '1.log'), 'log', { mode: 0o644 });
    writeFileSync(join(home, 'paas.db'), '', { mode: 0o644 });
    secureHome(paths(home));
    expect(mode(join(home, 'builds'))).toBe(0o700);
    expect(mode(join(home, 'builds', '1.log'))).toBe(0o600);
    expect(mode(join(home, 'paas.db'))).toBe(0o600);
  });
});

describe('removeLeftoverSources', () => {
  it('removes the source tarballs of interrupted builds and nothing else', () => {
    const dir = scratch();
    for (const name of ['build-1.tar', 'build-22.tar', 'certs-x', 'build-x.tar']) writeFileSync(join(dir, name), '');
    expect(removeLeftoverSources(dir)).toBe(2);
    expect(existsSync(join(dir, 'build-1.tar'))).toBe(false);
    expect(existsSync(join(dir, 'certs-x'))).toBe(true);
    expect(existsSync(join(dir, 'build-x.tar'))).toBe(true);
    expect(removeLeftoverSources(join(dir, 'missing'))).toBe(0);
  });
});

describe('DeployLog', () => {
  it('keeps a private build log of bounded size while the pusher sees every line', () => {
    const file = join(scratch(), 'builds', '7.log');
    const stream = new PassThrough();
    let seen = '';
    stream.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    const log = new DeployLog(stream, file, 1000);
    for (let i = 0; i < 100; i++) log.detail(`line ${i} ${'x'.repeat(40)}`);
    const kept = readFileSync(file, 'utf8');
    expect(kept.length).toBeLessThan(1200);
    expect(kept).toMatch(/build log is cut here at 1000b/);
    expect(seen).toContain('line 99');
    expect(mode(file)).toBe(0o600);
    expect(mode(join(file, '..'))).toBe(0o700);
  });
});
