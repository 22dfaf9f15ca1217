/**
 * The registry paas runs on the manager (src/deploy/local-registry.ts), on its own: real openssl
 * and Debian's docker-registry on 127.0.0.1 and a free port. The swarm suite checks that nodes pull
 * from it; this one checks its TLS, key files, restarts and address changes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { freePort } from './harness.js';
import { LocalRegistry } from '../../src/deploy/local-registry.js';
import { createLogger } from '../../src/daemon/logger.js';

const home = mkdtempSync(join(tmpdir(), 'paas-local-registry-'));
const registry = new LocalRegistry(home, createLogger(join(home, 'test.log'), false));

afterAll(async () => {
  await registry.stop();
  rmSync(home, { recursive: true, force: true });
});

/** GET /v2/ over HTTPS, trusting only `ca`: the status, or the TLS error's code. */
function v2(address: string, ca: string): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const req = request({ host, port: Number(port), path: '/v2/', ca, timeout: 5000 }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe("paas's own registry", () => {
  it('answers over TLS with a certificate of its CA for its address; the keys are 0600', async () => {
    if (!statSync('/usr/bin/docker-registry', { throwIfNoEntry: false })) throw new Error('install the docker-registry package');
    const address = `127.0.0.1:${await freePort()}`;
    await registry.ensureRunning(address);
    const ca = await registry.ca();
    expect(await v2(address, ca)).toBe('200');
    const paths = registry.paths;
    for (const key of [paths.caKey, paths.key]) expect(statSync(key).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(paths.cert));
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1');
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
    // Another CA is refused: the registry is not reachable without paas's CA.
    const other = new LocalRegistry(mkdtempSync(join(tmpdir(), 'paas-other-ca-')), createLogger(join(home, 'other.log'), false));
    expect(await v2(address, await other.ca())).not.toBe('200');
    rmSync(join(other.paths.dir, '..'), { recursive: true, force: true });
  });

  it('moves to a new address with a new certificate and the same CA; stop() ends it', async () => {
    const ca = await registry.ca();
    const before = `127.0.0.1:${await freePort()}`;
    await registry.ensureRunning(before);
    const address = `127.0.0.2:${await freePort()}`;
    await registry.ensureRunning(address);
    expect(await registry.ca()).toBe(ca);
    expect(new X509Certificate(readFileSync(registry.paths.cert)).subjectAltName).toBe('IP Address:127.0.0.2');
    expect(await v2(address, ca)).toBe('200');
    expect(await v2(before, ca)).not.toBe('200');
    const pid = readFileSync(registry.paths.pidFile, 'utf8').trim();
    await registry.stop();
    expect(statSync(`/proc/${pid}`, { throwIfNoEntry: false })).toBeUndefined();
    expect(await v2(address, ca)).not.toBe('200');
  });
});
