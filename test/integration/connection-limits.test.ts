import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAAS_BIN, run, startDaemon, type DaemonHandle, type RunResult } from './harness.js';

/**
 * Timeouts and the per-address connection cap of the API (HTTP) and SSH ports, with the default
 * settings: idle, slow-header and never-logged-in clients are closed within a minute, while
 * commands from another address keep working, and a command that runs keeps its connection.
 */

let daemon: DaemonHandle;
let keys: string;
let token: string;

beforeAll(async () => {
  daemon = await startDaemon({ ssh: true });
  keys = mkdtempSync(join(tmpdir(), 'paas-limits-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me', '-f', join(keys, 'me')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'late', '-f', join(keys, 'late')]);
  await daemon.paasOk(['ssh-keys:add', 'me', join(keys, 'me.pub')]);
  token = (await daemon.paasOk(['tokens:create', 'limits'])).trim();
  await daemon.paasOk(['apps:create', 'steady']);
});
afterAll(async () => {
  await daemon?.destroy();
  if (keys) rmSync(keys, { recursive: true, force: true });
});

const overHttp = (args: string[], input?: string) =>
  daemon.paas(args, { env: { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token }, input });
const overSsh = (args: string[], input?: string) =>
  run(
    'ssh',
    [
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      '-i',
      join(keys, 'me'),
      '-p',
      String(daemon.sshPort),
      'paas@127.0.0.1',
      ...args,
    ],
    { input },
  );

/** Raw TCP connections from another loopback address, as a flood from one client would come. */
function flood(port: number, count: number, behave: (socket: Socket, i: number) => void): Array<Promise<void>> {
  return Array.from(
    { length: count },
    (_, i) =>
      new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
        socket.on('error', () => undefined);
        socket.on('data', () => undefined);
        socket.once('connect', () => behave(socket, i));
        socket.once('close', () => resolve());
      }),
  );
}

/** Whether every promise settled before the deadline. */
async function allWithin(promises: Array<Promise<void>>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([Promise.all(promises).then(() => true as const), deadline]);
  clearTimeout(timer);
  return result;
}

describe('200 idle connections to each port', () => {
  it('are all closed by the server within a minute, while commands from elsewhere keep working', async () => {
    const trickle: NodeJS.Timeout[] = [];
    const http = flood(daemon.apiPort, 200, (socket, i) => {
      // Most say nothing; some send headers one slow line at a time.
      if (i % 10 !== 0) return;
      socket.write('GET /v1/commands HTTP/1.1\r\n');
      trickle.push(setInterval(() => socket.writable && socket.write(`X-Slow-${i}: 1\r\n`), 1000));
    });
    const ssh = flood(daemon.sshPort, 200, (socket, i) => {
      // Some get as far as the SSH banner exchange, then never log in.
      if (i % 10 === 0) socket.write('SSH-2.0-OpenSSH_9.2\r\n');
    });

    // Meanwhile, from 127.0.0.1: the API and SSH answer as usual.
    const [viaHttp, viaSsh] = await Promise.all([overHttp(['apps:list']), overSsh(['apps:list'])]);
    expect(viaHttp.stdout, viaHttp.stderr).toContain('steady');
    expect(viaSsh.stdout, viaSsh.stderr).toContain('steady');

    const closed = await allWithin([...http, ...ssh], 60_000);
    for (const timer of trickle) clearInterval(timer);
    expect(closed).toBe(true);
    expect((await overHttp(['apps:list'])).stdout).toContain('steady');
  }, 90_000);

  it('caps connections per address: past the cap a new one is closed at once', async () => {
    const held = flood(daemon.apiPort, 32, () => undefined);
    await new Promise((r) => setTimeout(r, 500));
    const extra = flood(daemon.apiPort, 1, () => undefined);
    expect(await allWithin(extra, 5_000)).toBe(true);
    // The held ones are still open: the cap closed only the one past it.
    expect(await allWithin(held, 100)).toBe(false);
    expect((await overHttp(['apps:list'])).stdout).toContain('steady');
    await allWithin(held, 60_000);
  }, 90_000);
});

describe('a command that runs keeps its connection', () => {
  let quick: DaemonHandle;
  beforeAll(async () => {
    // Short timeouts, so that the command below outlives them several times.
    quick = await startDaemon({ ssh: true, env: { PAAS_LOGIN_TIMEOUT: '1', PAAS_IDLE_TIMEOUT: '1' } });
    await quick.paasOk(['ssh-keys:add', 'me', join(keys, 'me.pub')]);
  });
  afterAll(async () => {
    await quick?.destroy();
  });

  /** Runs `args`, writing its standard input only after `delayMs` of silence. */
  function lateInput(command: string, args: string[], env: NodeJS.ProcessEnv, input: string, delayMs: number): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      setTimeout(() => child.stdin.end(input), delayMs);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  it('over HTTP and over SSH, silent for longer than the login and idle timeouts', async () => {
    const quickToken = (await quick.paasOk(['tokens:create', 'quick'])).trim();
    const key = readFileSync(join(keys, 'late.pub'), 'utf8');
    const viaHttp = await lateInput(
      process.execPath,
      [PAAS_BIN, 'ssh-keys:add', 'late-http', '-'],
      { ...quick.env, PAAS_API_URL: `http://127.0.0.1:${quick.apiPort}`, PAAS_API_TOKEN: quickToken },
      key,
      4000,
    );
    expect(viaHttp.code, viaHttp.stderr).toBe(0);
    await quick.paasOk(['ssh-keys:remove', 'late-http']);
    const viaSsh = await lateInput(
      'ssh',
      [
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        '-i',
        join(keys, 'me'),
        '-p',
        String(quick.sshPort),
        'paas@127.0.0.1',
        'ssh-keys:add',
        'late-ssh',
        '-',
      ],
      {},
      key,
      4000,
    );
    expect(viaSsh.code, viaSsh.stderr).toBe(0);
    expect(await quick.paasOk(['ssh-keys:list'])).toContain('late-ssh');
  }, 60_000);

  it('closes a logged-in SSH connection that runs nothing once it is idle', async () => {
    const idle = await run(
      'ssh',
      [
        '-N',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        '-i',
        join(keys, 'me'),
        '-p',
        String(quick.sshPort),
        'paas@127.0.0.1',
      ],
      { timeoutMs: 30_000 },
    );
    // ssh -N would wait forever; the server ended it (a kill by the timeout above would be 128).
    expect(idle.code).toBe(255);
  }, 40_000);
});
