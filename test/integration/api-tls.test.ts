import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, run, startDaemon, type DaemonHandle } from './harness.js';

/**
 * The API port over TLS (forced with PAAS_API_TLS=1, as on a public address): the certificate
 * the daemon makes, the CLI's pinning (first use, a changed certificate, PAAS_API_FINGERPRINT),
 * and git over HTTPS with the pin or the certificate.
 */

let daemon: DaemonHandle;
let token: string;
let fingerprint: string;
let config: string;

beforeAll(async () => {
  daemon = await startDaemon({ env: { PAAS_API_TLS: '1', PAAS_LOGIN_TIMEOUT: '2' } });
  token = (await daemon.paasOk(['tokens:create', 'laptop'])).trim();
  fingerprint = (await daemon.paasOk(['api:fingerprint'])).trim();
  config = mkdtempSync(join(tmpdir(), 'paas-config-'));
});
afterAll(async () => {
  await daemon?.destroy();
  if (config) rmSync(config, { recursive: true, force: true });
});

const knownHosts = () => join(config, 'paas', 'known_api_hosts');
const laptop = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  daemon.paas(args, {
    env: { PAAS_API_URL: `https://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token, XDG_CONFIG_HOME: config, ...env },
  });

describe('the certificate', () => {
  it('is made once, its key private, and its fingerprint printed on the server', async () => {
    expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(statSync(join(daemon.home, 'api-tls', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(await daemon.paasOk(['version'])).toContain(`paas API certificate SHA-256 ${fingerprint}`);
    const pem = await daemon.paasOk(['api:certificate']);
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const openssl = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: pem });
    expect(openssl.stdout.trim().split('=')[1]).toBe(fingerprint);
    await daemon.stop();
    await daemon.start();
    expect((await daemon.paasOk(['api:fingerprint'])).trim()).toBe(fingerprint);
  });
});

describe('the paas command over https', () => {
  it('trusts the certificate on first use, saying what to compare, then quietly', async () => {
    const first = await laptop(['apps:list']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      `paas: first connection to 127.0.0.1:${daemon.apiPort}: trusting its API certificate SHA-256 ${fingerprint}`,
    );
    expect(readFileSync(knownHosts(), 'utf8')).toBe(`127.0.0.1:${daemon.apiPort} ${fingerprint}\n`);
    expect(statSync(knownHosts()).mode & 0o777).toBe(0o600);
    const again = await laptop(['apps:create', 'pinned']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a certificate that changed, sending nothing', async () => {
    const other = `${fingerprint.startsWith('00') ? '11' : '00'}${fingerprint.slice(2)}`;
    writeFileSync(knownHosts(), `127.0.0.1:${daemon.apiPort} ${other}\n`);
    const refused = await laptop(['apps:create', 'intercepted']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: the paas API at 127\.0\.0\.1:\d+ presented a different certificate than before .*nothing was sent.*paas api:fingerprint/,
    );
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const wrongPin = await laptop(['apps:create', 'intercepted'], { PAAS_API_FINGERPRINT: other });
    expect(wrongPin.code).toBe(1);
    expect(wrongPin.stderr).toContain(`not PAAS_API_FINGERPRINT ${other}; nothing was sent`);
    expect(await daemon.paasOk(['apps:list'])).not.toContain('intercepted');
    // The right pin wins over the file.
    const pinned = await laptop(['apps:list'], { PAAS_API_FINGERPRINT: fingerprint.replaceAll(':', '').toLowerCase() });
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toContain('pinned');
  });

  it('says to use https when given http://, and plain HTTP gets no answer', async () => {
    const plain = await daemon.paas(['apps:list'], {
      env: { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token },
    });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('use PAAS_API_URL=https://');
  });

  it('closes a connection that never starts its TLS handshake', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(daemon.apiPort, '127.0.0.1');
      socket.on('error', () => undefined);
      const timer = setTimeout(() => resolve(false), 15_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
  });
});

describe('git over https', () => {
  it('pushes with the public key pinned, and lists refs with the certificate as CA', async () => {
    const pin = (await daemon.paasOk(['api:fingerprint', '--pubkey'])).trim();
    expect(pin).toMatch(/^sha256\/\/[A-Za-z0-9+/]{43}=$/);
    const tree = await appWorkTree('hello');
    const remote = `https://paas:${token}@127.0.0.1:${daemon.apiPort}/secure.git`;
    // A branch that is not deployed: this is about the transport, not the build.
    const push = await tree.git('-c', 'http.sslVerify=false', '-c', `http.pinnedPubkey=${pin}`, 'push', remote, 'main:feature');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('* [new branch]      main -> feature');

    const wrongPin = await tree.git(
      '-c',
      'http.sslVerify=false',
      '-c',
      `http.pinnedPubkey=sha256//${'A'.repeat(43)}=`,
      'ls-remote',
      remote,
    );
    expect(wrongPin.code).not.toBe(0);

    const ca = join(config, 'api.pem');
    writeFileSync(ca, await daemon.paasOk(['api:certificate']));
    const env = { GIT_SSL_CAINFO: undefined }; // it would override http.sslCAInfo
    const listed = await run('git', ['-c', `http.sslCAInfo=${ca}`, 'ls-remote', remote, 'refs/heads/feature'], { env, cwd: tree.dir });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^[0-9a-f]{40}\trefs\/heads\/feature\n$/);
  });
});
