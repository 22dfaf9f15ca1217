import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PAAS_BIN = join(ROOT, 'bin/paas');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a program with an argv array and collects what a user would see. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * A port nothing listens on, from 20000-32767: below Linux's ephemeral range (32768-60999), so
 * the outgoing connections of the suites running in parallel never take it before it is bound
 * (a port the kernel picked with listen(0) is soon handed out again).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found in 20000-32767');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolvePromise(true)));
  });
}

const PORT_SETTINGS = ['PAAS_API_PORT', 'PAAS_SSH_PORT', 'PAAS_HTTP_PORT', 'PAAS_HTTPS_PORT'] as const;

export interface DaemonHandle {
  home: string;
  env: NodeJS.ProcessEnv;
  apiPort: number;
  sshPort: number;
  httpPort: number;
  httpsPort: number;
  /** Runs the real CLI against this daemon. */
  paas(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Like paas(), but fails the test when the command fails. */
  paasOk(args: readonly string[], options?: RunOptions): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the daemon, removes every Docker object it made, stops its nginx, removes PAAS_HOME. */
  destroy(): Promise<void>;
  /** The daemon's own stdout+stderr so far, for failure messages. */
  output(): string;
}

export interface DaemonOptions {
  ssh?: boolean;
  /** PAAS_HOME to use (made by the test, e.g. as an older install left it); default: a fresh temp dir. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** A command the daemon runs under, e.g. nsenter into a network namespace; default: none. */
  wrap?: readonly string[];
}

/** Waits until a build of the app is running (builds:list); false after 30 s. */
export async function buildRunning(daemon: DaemonHandle, app: string): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    const list = await daemon.paas(['builds:list', app, '--format', 'json']);
    if (list.code === 0 && (JSON.parse(list.stdout) as Array<{ status: string }>).some((b) => b.status === 'running')) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Starts `paas daemon` in a fresh PAAS_HOME on free ports, as a user would. */
export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonHandle> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'paas-test-'));
  const apiPort = await freePort();
  const sshPort = options.ssh ? await freePort() : 0;
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PAAS_HOME: home,
    PAAS_API_PORT: String(apiPort),
    PAAS_SSH_PORT: String(sshPort),
    PAAS_HTTP_PORT: String(httpPort),
    PAAS_HTTPS_PORT: String(httpsPort),
    PAAS_LISTEN: '127.0.0.1',
    ...options.env,
  };
  let child: ReturnType<typeof spawn> | undefined;
  let log = '';

  const handle: DaemonHandle = {
    home,
    env,
    apiPort,
    sshPort,
    httpPort,
    httpsPort,
    paas: (args, runOptions = {}) => run(process.execPath, [PAAS_BIN, ...args], { ...runOptions, env: { ...env, ...runOptions.env } }),
    async paasOk(args, runOptions) {
      const result = await handle.paas(args, runOptions);
      if (result.code !== 0) {
        throw new Error(`paas ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
      }
      return result.stdout;
    },
    async start() {
      const [command, ...args] = [...(options.wrap ?? []), process.execPath, PAAS_BIN, 'daemon'];
      child = spawn(command!, args, {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const socket = join(home, 'paas.sock');
      const deadline = Date.now() + 30_000;
      while (!existsSync(socket) || (await handle.paas(['version'])).code !== 0) {
        if (child.exitCode !== null) throw new Error(`paas daemon exited early:\n${log}`);
        if (Date.now() > deadline) throw new Error(`paas daemon did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolvePromise) => {
        running.once('exit', () => resolvePromise());
        running.kill('SIGTERM');
      });
    },
    async destroy() {
      await handle.stop();
      await removeDockerObjects(home);
      stopNginx(home);
      removeNginxTemp(home);
      rmSync(home, { recursive: true, force: true });
    },
    output: () => log,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await handle.start();
      return handle;
    } catch (error) {
      // Another suite bound a chosen port between the check and the daemon's bind: choose again.
      const portsChosenHere = PORT_SETTINGS.every((name) => options.env?.[name] === undefined);
      if (attempt >= 3 || !portsChosenHere || !String(error).includes('EADDRINUSE')) throw error;
      stopNginx(home);
      handle.apiPort = await freePort();
      handle.sshPort = options.ssh ? await freePort() : 0;
      handle.httpPort = await freePort();
      handle.httpsPort = await freePort();
      Object.assign(env, {
        PAAS_API_PORT: String(handle.apiPort),
        PAAS_SSH_PORT: String(handle.sshPort),
        PAAS_HTTP_PORT: String(handle.httpPort),
        PAAS_HTTPS_PORT: String(handle.httpsPort),
      });
    }
  }
}

/** A git work tree with the fixture app committed on main, ready to push. */
export async function appWorkTree(fixture: string): Promise<{ dir: string; git(...args: string[]): Promise<RunResult> }> {
  const { cpSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), `paas-app-${fixture}-`));
  cpSync(join(ROOT, 'test/fixtures/apps', fixture), dir, { recursive: true });
  const git = (...args: string[]) => run('git', ['-c', 'user.email=test@paas.test', '-c', 'user.name=paas test', ...args], { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'first');
  return { dir, git };
}

/** Removes every Docker object a test daemon made, found by its instance label. */
export async function removeDockerObjects(home: string): Promise<void> {
  let instance: string;
  try {
    instance = readFileSync(join(home, 'instance-id'), 'utf8').trim();
  } catch {
    return;
  }
  const label = `paas.instance=${instance}`;
  const ids = (await run('docker', ['ps', '-aq', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await run('docker', ['rm', '-f', ...ids]);
  // Dockerfile builds carry no label: their repository is paas-INSTANCE/APP.
  const labelled = (await run('docker', ['images', '-q', '--filter', `label=${label}`])).stdout;
  const named = (await run('docker', ['images', '-q', '--filter', `reference=paas-${instance}/*`])).stdout;
  const images = `${labelled}\n${named}`.split('\n').filter(Boolean);
  if (images.length) await run('docker', ['rmi', '-f', ...new Set(images)]);
  const volumes = (await run('docker', ['volume', 'ls', '-q', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
  if (volumes.length) await run('docker', ['volume', 'rm', '-f', ...volumes]);
  // The paas network and the services' own networks.
  const networks = (await run('docker', ['network', 'ls', '-q', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
  await run('docker', ['network', 'rm', `paas-${instance}`, ...networks]);
}

/** The managed nginx outlives its daemon by design; a test ends it with the daemon's home. */
export function stopNginx(home: string): void {
  try {
    const pid = Number(readFileSync(join(home, 'nginx', 'nginx.pid'), 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // no nginx ran for this home
  }
}

/** The daemon's instance id: the `paas.instance` label on every Docker object it makes. */
export function instanceOf(daemon: DaemonHandle): string {
  return readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
}

/**
 * Ids of an app's process containers as Docker lists them: running ones, or every one with
 * `all`; `filters` adds docker ps filters (e.g. status=exited).
 */
export async function processContainerIds(
  daemon: DaemonHandle,
  app: string,
  { all = false, filters = [] }: { all?: boolean; filters?: readonly string[] } = {},
): Promise<string[]> {
  const labels = [`paas.instance=${instanceOf(daemon)}`, `paas.app=${app}`, 'paas.role=process'];
  const args = ['ps', '-q', ...(all ? ['-a'] : []), ...[...labels.map((l) => `label=${l}`), ...filters].flatMap((f) => ['--filter', f])];
  return (await run('docker', args)).stdout.split('\n').filter(Boolean);
}

/** The temp dir of a root daemon's nginx workers lives outside PAAS_HOME (src/proxy/nginx-worker.ts). */
export function removeNginxTemp(home: string): void {
  try {
    const instance = readFileSync(join(home, 'instance-id'), 'utf8').trim();
    if (/^[a-z0-9]{8}$/.test(instance)) rmSync(join('/var/lib/paas-nginx', instance), { recursive: true, force: true });
  } catch {
    // no instance id: nothing was made
  }
}

/** GET a URL, returning status and body (status 0 when nothing answers). */
export async function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** GET through the managed nginx with a Host header, on a new connection; status 0 when nothing answers. */
export function viaNginx(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolvePromise({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolvePromise({ status: 0, body: '' }));
    req.end();
  });
}

/**
 * Requests `get` back to back while `during` runs, then a little longer; bounded in count.
 * Resolves with every reply that was not a 200, and how many requests were made.
 */
export async function loadDuring(
  get: () => Promise<{ status: number; body: string }>,
  during: () => Promise<unknown>,
  maxRequests = 5000,
): Promise<{ requests: number; failures: Array<{ status: number; body: string }> }> {
  let running = true;
  let requests = 0;
  const failures: Array<{ status: number; body: string }> = [];
  const loop = (async () => {
    while (running && requests < maxRequests) {
      requests++;
      const reply = await get();
      if (reply.status !== 200) failures.push(reply);
    }
  })();
  try {
    await during();
    await new Promise((r) => setTimeout(r, 3000));
  } finally {
    running = false;
    await loop;
  }
  return { requests, failures };
}

/** Polls `check` until it is true, failing with `what` after `ms`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The CLI with binary standard input and output, as a shell redirection would give them. */
export function paasBytes(
  daemon: DaemonHandle,
  args: readonly string[],
  input?: Buffer,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [PAAS_BIN, ...args], { env: { ...process.env, ...daemon.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

/** The env that makes the CLI a remote client of the daemon over its API, with an API token. */
export function remoteEnv(daemon: DaemonHandle, token: string): NodeJS.ProcessEnv {
  return { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token };
}

/**
 * A suite's daemon with an API token, started before its tests and destroyed after them: `remote`
 * runs the CLI as a remote client (token), `daemon.paas` as root on the server (socket).
 */
export function daemonWithToken(): { daemon(): DaemonHandle; token(): string; remote(args: readonly string[]): Promise<RunResult> } {
  let daemon: DaemonHandle | undefined;
  let token = '';
  beforeAll(async () => {
    daemon = await startDaemon();
    token = (await daemon.paasOk(['tokens:create', 'deployer'])).trim();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });
  return {
    daemon: () => daemon!,
    token: () => token,
    remote: (args) => daemon!.paas(args, { env: remoteEnv(daemon!, token) }),
  };
}
