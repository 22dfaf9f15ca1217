import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_CONTENT_TYPE, COMMAND_PATH, FrameDecoder, FrameKind } from '../../src/core/frames.js';
import { PAAS_BIN, appWorkTree, run, startDaemon, type DaemonHandle } from './harness.js';

/**
 * Secrets at rest, checked the way a hostile local user would: a real unprivileged user (made for
 * the test and removed after) tries to read what paas keeps in PAAS_HOME.
 */

const PROBE_USER = `paasprobe${process.pid % 100000}`;
const SECRET_VALUE = 'sup3r-s3cret-value';
const SECRET_PASSWORD = 'hunter2hunter2hunter2';

let parent: string;
let home: string;
let daemon: DaemonHandle;
let remote: (app: string) => string;
let token: string;

beforeAll(async () => {
  // As an older install.sh left it: PAAS_HOME and its logs made 0755 before the daemon ran.
  parent = mkdtempSync(join(tmpdir(), 'paas-local-security-'));
  chmodSync(parent, 0o755);
  home = join(parent, 'home');
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o755 });
  chmodSync(home, 0o755);
  writeFileSync(join(home, 'logs', 'daemon.out'), 'started\n', { mode: 0o644 });
  const added = await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', PROBE_USER]);
  expect(added.code, added.stderr).toBe(0);
  daemon = await startDaemon({ home, env: { PAAS_MAX_PUSH_SIZE: '2m' } });
  token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = (app) => `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`;
});

afterAll(async () => {
  await daemon?.destroy();
  await run('userdel', [PROBE_USER]);
  if (parent) rmSync(parent, { recursive: true, force: true });
});

/** Every file and folder under a path, as root sees them. */
function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    out.push(path);
    const stats = lstatSync(path);
    if (stats.isDirectory() && !stats.isSymbolicLink()) walk(path, out);
  }
  return out;
}

/** Runs node as the probe user (setpriv, argv only) and returns what it printed. */
async function asProbeUser(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('setpriv', [
    `--reuid=${PROBE_USER}`,
    `--regid=${PROBE_USER}`,
    '--clear-groups',
    '--',
    process.execPath,
    '-e',
    script,
    ...args,
  ]);
}

const TRY_READ = `
const fs = require('node:fs');
const readable = [];
for (const path of process.argv.slice(1)) {
  try {
    if (fs.statSync(path).isDirectory()) fs.readdirSync(path); else fs.closeSync(fs.openSync(path, 'r'));
    readable.push(path);
  } catch {}
}
process.stdout.write(JSON.stringify(readable));
`;

describe('secrets at rest', () => {
  it('keeps every secret, source and log from an unprivileged local user, also on an install that was open', async () => {
    await daemon.paasOk(['apps:create', 'vault']);
    await daemon.paasOk(['config:set', '--no-restart', 'vault', `API_KEY=${SECRET_VALUE}`]);
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', remote('vault'), 'main');
    expect(push.code, push.stderr).toBe(0);

    // An upgrade from an install that left everything open, and a build interrupted by a stop.
    await daemon.stop();
    await run('chmod', ['-R', 'go+rX', home]);
    writeFileSync(join(home, 'tmp', 'build-999.tar'), 'source of an interrupted build', { mode: 0o644 });
    expect(lstatSync(join(home, 'paas.db')).mode & 0o044).toBe(0o044);
    await daemon.start();

    expect(existsSync(join(home, 'tmp', 'build-999.tar'))).toBe(false);
    const entries = [home, ...walk(home)];
    for (const wanted of ['paas.db', 'logs/paasd.log', 'logs/daemon.out', 'builds/1.log', 'repos/vault.git/HEAD']) {
      expect(entries).toContain(join(home, wanted));
    }
    const open = entries.filter((path) => {
      const stats = lstatSync(path);
      return !stats.isSymbolicLink() && !stats.isSocket() && (stats.mode & 0o077) !== 0;
    });
    expect(open).toEqual([]);

    // The real user: nothing under PAAS_HOME can be listed or opened, the folder itself included.
    const probe = await asProbeUser(TRY_READ, entries);
    expect(probe.code, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout)).toEqual([]);
    // The probe works: the same user can read a file that is meant to be public.
    const control = await asProbeUser(TRY_READ, [PAAS_BIN]);
    expect(JSON.parse(control.stdout)).toEqual([PAAS_BIN]);
  });

  it('logs no config value and no password, whatever the command', async () => {
    await daemon.paasOk(['config:set', '--no-restart', '--encoded', 'vault', `B64=${Buffer.from(SECRET_VALUE).toString('base64')}`]);
    const refused = await daemon.paas(['postgres:create', 'vault-db', '--password', SECRET_PASSWORD, '--memory', 'lots']);
    expect(refused.code).not.toBe(0);
    const typo = await daemon.paas(['postgres:craete', 'vault-db', `--password=${SECRET_PASSWORD}`]);
    expect(typo.code).not.toBe(0);
    const log = readFileSync(join(home, 'logs', 'paasd.log'), 'utf8');
    expect(log).toContain('"API_KEY=***"');
    expect(log).toContain('"--password","***"');
    expect(log).not.toContain(SECRET_VALUE);
    expect(log).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
    expect(log).not.toContain(SECRET_PASSWORD);
  });

  it('refuses a push over PAAS_MAX_PUSH_SIZE before storing it', async () => {
    const tree = await appWorkTree('hello');
    const { randomBytes } = await import('node:crypto');
    writeFileSync(join(tree.dir, 'blob.bin'), randomBytes(3 * 1024 * 1024));
    await tree.git('add', 'blob.bin');
    await tree.git('commit', '-qm', 'a big file');
    const push = await tree.git('push', remote('vault'), 'main:refs/heads/big');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/pack exceeds maximum allowed size/);
    expect((await tree.git('ls-remote', remote('vault'), 'refs/heads/big')).stdout).toBe('');
  });

  it('warns at builder-dockerfile:set that build arg values end up in the image history', async () => {
    const set = await daemon.paas(['builder-dockerfile:set', 'vault', 'build-args', 'NPM_TOKEN']);
    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(/docker history/);
    const cleared = await daemon.paas(['builder-dockerfile:set', 'vault', 'build-args']);
    expect(cleared.stderr).toBe('');
  });
});

describe('the CLI in a pipe', () => {
  it('stops quietly when the reader goes away (paas ... | head)', async () => {
    // The reading end is closed before paas writes anything: its first write meets a broken pipe.
    const child = spawn(process.execPath, [PAAS_BIN, 'config:show', 'vault'], {
      env: { ...process.env, ...daemon.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });
});

/**
 * A command through the HTTP API, as a remote client sends it: for argument lists larger than
 * this machine lets a local program be started with (a remote caller has no such limit).
 */
async function viaApi(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const response = await fetch(`http://127.0.0.1:${daemon.apiPort}${COMMAND_PATH}`, {
    method: 'POST',
    headers: { 'content-type': COMMAND_CONTENT_TYPE, authorization: `Bearer ${token}` },
    body: `${JSON.stringify({ argv })}\n`,
  });
  const decoder = new FrameDecoder();
  const out = { code: -1, stdout: '', stderr: '' };
  for (const frame of decoder.push(Buffer.from(await response.arrayBuffer()))) {
    if (frame.kind === FrameKind.Stdout) out.stdout += frame.payload.toString();
    else if (frame.kind === FrameKind.Stderr) out.stderr += frame.payload.toString();
    else if (frame.kind === FrameKind.Exit) out.code = Number(frame.payload.toString());
  }
  return out;
}

describe('names, domains and values refused when they are set', () => {
  /** One clear line on stderr, a non-zero exit, and what `check` reads is unchanged. */
  async function refused(args: string[], message: RegExp, check: string[], input?: string | Buffer, remote = false): Promise<void> {
    const before = await daemon.paasOk(check);
    const result = remote ? await viaApi(args) : await daemon.paas(args, input === undefined ? {} : { input });
    expect(result.code, result.stdout).not.toBe(0);
    expect(result.stderr).toMatch(/^error: [^\n]+\n$/);
    expect(result.stderr).toMatch(message);
    expect(await daemon.paasOk(check)).toBe(before);
  }

  it('refuses app names ending in a dash', async () => {
    await refused(['apps:create', 'blog-'], /invalid app name "blog-".*not ending with a dash/, ['apps:list']);
  });

  it('refuses config values no container could start with', async () => {
    const keys = ['config:keys', 'vault'];
    const nul = Buffer.from('a\0b').toString('base64');
    await refused(
      ['config:set', '--encoded', 'vault', `OK=${Buffer.from('fine').toString('base64')}`, `NUL=${nul}`],
      /NUL holds a NUL byte/,
      keys,
    );
    await refused(
      ['config:set', 'vault', `HUGE=${'x'.repeat(130 * 1024)}`],
      /HUGE is 131 KB; one config var holds at most 128 KB/,
      keys,
      undefined,
      true,
    );
    const many = Array.from({ length: 9 }, (_, i) => `PART${i}=${'y'.repeat(120 * 1024)}`);
    await refused(
      ['config:set', 'vault', ...many],
      /the config of vault would be \d+ KB; all config vars together hold at most 1024 KB/,
      keys,
      undefined,
      true,
    );
  });

  it('refuses host ports of system services and a latent https mapping on the http port, and cpu the server lacks', async () => {
    const ports = ['ports:list', 'vault'];
    await refused(['ports:add', 'vault', 'http:22:5000'], /host port 22 is below 1024.*add --force/, ports);
    await refused(
      ['ports:add', 'vault', `https:${daemon.httpPort}:5000`],
      new RegExp(`port ${daemon.httpPort} carries http for PAAS_HTTP_PORT, so vault cannot use it for https`),
      ports,
    );
    await refused(['ports:add', 'vault', `http:${daemon.apiPort}:5000`, '--force'], /is taken by the paas API/, ports);
    await refused(['resource:limit', 'vault', '--cpu', '1000'], /cpu 1000 is more than the \d+ CPUs this server has/, [
      'resource:report',
      'vault',
    ]);
  });

  it('refuses weak ssh keys', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'paas-weak-key-'));
    try {
      const made = await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '1024', '-N', '', '-f', join(keyDir, 'id_rsa')]);
      expect(made.code, made.stderr).toBe(0);
      const weak = readFileSync(join(keyDir, 'id_rsa.pub'), 'utf8');
      await refused(['ssh-keys:add', 'weak', '-'], /this rsa key has 1024 bits, which is too weak/, ['ssh-keys:list'], weak);
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it('reads only regular files of bounded size for certs:add, and warns about an expired certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-certs-'));
    try {
      const fifo = join(dir, 'cert.fifo');
      expect((await run('mkfifo', [fifo])).code).toBe(0);
      const report = ['certs:report', 'vault'];
      await refused(['certs:add', 'vault', fifo, fifo], /the certificate .*cert\.fifo is not a regular file/, report);
      await refused(['certs:add', 'vault', '/dev/zero', '/dev/zero'], /the certificate \/dev\/zero is not a regular file/, report);
      writeFileSync(join(dir, 'big.crt'), Buffer.alloc(2 * 1024 * 1024, 65));
      await refused(['certs:add', 'vault', join(dir, 'big.crt'), join(dir, 'big.crt')], /is too big/, report);

      const crt = join(dir, 'old.crt');
      const key = join(dir, 'old.key');
      const made = await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        join(dir, 'new.crt'),
        '-subj',
        '/CN=vault.example.test',
        '-days',
        '1',
      ]);
      expect(made.code, made.stderr).toBe(0);
      const expired = await run('openssl', ['x509', '-in', join(dir, 'new.crt'), '-signkey', key, '-days', '-1', '-out', crt]);
      expect(expired.code, expired.stderr).toBe(0);
      const added = await daemon.paas(['certs:add', 'vault', crt, key]);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stderr).toMatch(/warning: the certificate expired on \d{4}-\d\d-\d\d; browsers will refuse it/);
      await daemon.paasOk(['certs:remove', 'vault']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses another app's default URL and wildcards over the global domain", async () => {
    await daemon.paasOk(['domains:set-global', 'apps.test']);
    const report = ['domains:report', 'vault'];
    await refused(['domains:add', 'vault', 'victim.apps.test'], /victim\.apps\.test is the default URL of the app "victim"/, report);
    await refused(
      ['domains:set', 'vault', 'vault.example.test', '*.apps.test'],
      /\*\.apps\.test covers the global domain apps\.test/,
      report,
    );
    await daemon.paasOk(['domains:add', 'vault', 'vault.example.test']);
    await daemon.paasOk(['domains:add', 'vault', '*.apps.test', '--global-wildcard']);
    expect(await daemon.paasOk(['domains:report', 'vault', '--domains-app-vhosts'])).toContain('*.apps.test');
  });
});
