import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { AuthContext, Connection, Server as SshServer, ServerChannel, Session } from 'ssh2';
import { ssh2 } from './ssh2-module.js';
import type { Actor, Terminal } from '../core/command.js';
import { UserError, oneLine } from '../core/errors.js';
import { executeCommand } from '../core/execute.js';
import { redactArgv } from '../core/redact.js';
import type { CommandRegistry } from '../core/registry.js';
import { ConnectionGuard, DEFAULT_LIMITS, type ConnectionLimits } from '../daemon/connection-guard.js';
import type { Logger } from '../daemon/logger.js';
import type { Store } from '../store/store.js';
import type { GitAccess } from './git-access.js';
import { parseGitCommand, splitCommandLine, type GitCommand } from './ssh-command-line.js';
import { fingerprintOf, verifyKeySignature } from './ssh-public-key.js';


export interface SshServerOptions {
  port: number;
  host: string;
  /** Where the ed25519 host key lives; generated on first start, reused after. */
  hostKeyPath: string;
  store: Store;
  logger: Logger;
  registry: CommandRegistry;
  gitAccess: GitAccess;
  /** Login and idle timeouts, and the per-address cap (defaults: DEFAULT_LIMITS). */
  limits?: ConnectionLimits;
}

export interface RunningSshServer {
  port: number;
  close(): Promise<void>;
}

export interface Deps {
  store: Store;
  logger: Logger;
  registry: CommandRegistry;
  gitAccess: GitAccess;
  port: number;
}

/**
 * What a connection is doing, for the guard: until its login it has the login timeout; once
 * logged in, the idle timeout runs whenever no command or git runs on it.
 */
interface Activity {
  loggedIn(): void;
  /** A command or git starts; call the returned function when it is over. */
  busy(): () => void;
}

/** Login requests per connection: a client offers each agent key in turn, an attacker many more. */
const MAX_AUTH_ATTEMPTS = 20;

/**
 * The embedded SSH server: public-key login against `ssh-keys:*`, then either git
 * (receive-pack / upload-pack for one app, from a strict whitelist) or one paas command.
 * No shell, no forwarding, no subsystems: ssh2 refuses every request we do not listen for.
 */
export async function startSshServer(options: SshServerOptions): Promise<RunningSshServer> {
  const logger = options.logger.child({ component: 'ssh' });
  // The key is made on the first start ever; it is read (and ssh2 loaded) by the first connection.
  if (!existsSync(options.hostKeyPath)) loadOrCreateHostKey(options.hostKeyPath);
  const connections = new Set<Connection>();
  const deps: Deps = { ...options, logger, port: options.port };
  const limits = options.limits ?? DEFAULT_LIMITS;
  const guard = new ConnectionGuard(limits);
  /** Raw sockets by `ip|port`, to find the one under an ssh2 connection. */
  const sockets = new Map<string, Socket>();

  // ssh2 costs about 15 MB of resident memory: an idle daemon that nobody reached over SSH does
  // without it. The first connection loads it.
  let server: SshServer | undefined;
  const sshServer = (): SshServer => {
    if (server) return server;
    const hostKey = loadOrCreateHostKey(options.hostKeyPath);
    server = new (ssh2().Server)({ hostKeys: [hostKey] }, (client, info) => {
      connections.add(client);
      client.on('close', () => connections.delete(client));
      // A client that vanishes mid-handshake is routine, not a daemon failure.
      client.on('error', (error) => logger.debug({ err: error, ip: info.ip }, 'ssh connection error'));
      handleConnection(client, info.ip, deps, activityOf(sockets.get(`${info.ip}|${info.port}`), guard));
    });
    server.on('error', (error: Error) => logger.error({ err: error }, 'ssh server error'));
    logger.info({ hostKey: hostKeyFingerprint(hostKey) }, 'ssh server loaded for its first connection');
    return server;
  };
  // Our own listener, so each socket is counted and timed before ssh2 sees a byte of it.
  const tcp = createServer((socket) => {
    if (!guard.admit(socket)) return;
    guard.deadline(socket, limits.loginTimeoutMs);
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    sockets.set(key, socket);
    socket.once('close', () => sockets.delete(key));
    try {
      sshServer().injectSocket(socket);
    } catch (error) {
      logger.error({ err: error }, 'ssh server cannot start');
      socket.destroy();
    }
  });

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen for SSH on ${options.host}:${options.port} (${error.code ?? error.message}); ` +
            'set PAAS_SSH_PORT to a free port, or to 0 to turn SSH off',
        ),
      );
    tcp.once('error', onError);
    tcp.listen(options.port, options.host, () => {
      tcp.off('error', onError);
      tcp.on('error', (error: Error) => logger.error({ err: error }, 'ssh server error'));
      const address = tcp.address();
      resolve(typeof address === 'object' && address ? address.port : options.port);
    });
  });
  deps.port = port;
  logger.info({ port, host: options.host }, 'ssh server listening');

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const client of connections) client.end();
        for (const socket of sockets.values()) socket.destroy();
      }),
  };
}

function activityOf(socket: Socket | undefined, guard: ConnectionGuard): Activity {
  let running = 0;
  const idle = () => {
    if (socket && running === 0) guard.deadline(socket, guard.limits.idleTimeoutMs);
  };
  return {
    loggedIn: idle,
    busy() {
      running++;
      if (socket) guard.settle(socket);
      let over = false;
      return () => {
        if (over) return;
        over = true;
        running--;
        idle();
      };
    },
  };
}

/** Reads the host key, or makes one the first time: a new key makes clients warn loudly. */
export function loadOrCreateHostKey(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { private: privateKey } = ssh2().utils.generateKeyPairSync('ed25519');
    // 'wx': never overwrite a key another process wrote meanwhile.
    try {
      writeFileSync(path, privateKey, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = readFileSync(path, 'utf8');
  const parsed = ssh2().utils.parseKey(key);
  if (parsed instanceof Error || !parsed.isPrivateKey()) {
    const reason = parsed instanceof Error ? parsed.message : 'not a private key';
    throw new Error(
      `the SSH host key ${path} is unreadable (${reason}); restore it, or delete it to make a new one ` +
        '(clients will then warn that the host key changed)',
    );
  }
  return key;
}

function hostKeyFingerprint(privateKey: string): string | undefined {
  const parsed = ssh2().utils.parseKey(privateKey);
  return parsed instanceof Error ? undefined : fingerprintOf(parsed.getPublicSSH());
}

function handleConnection(client: Connection, ip: string, deps: Deps, activity: Activity): void {
  let actor: Actor | undefined;
  let attempts = 0;

  client.on('authentication', (ctx) => {
    if (++attempts > MAX_AUTH_ATTEMPTS) {
      ctx.reject([]);
      client.end();
      return;
    }
    const outcome = checkLogin(ctx, deps);
    if (outcome.kind === 'reject') return ctx.reject(['publickey']);
    if (outcome.kind === 'accept') {
      actor = { name: `ssh key ${outcome.keyName}`, transport: 'ssh' };
      deps.logger.info({ ip, actor: actor.name }, 'ssh login');
    }
    // 'query': the key is known; accept() answers "key acceptable" (PK_OK), not a login.
    ctx.accept();
  });

  // ssh2 reports a channel's close only once its input was read to the end, so a dropped
  // connection is watched for on its own, to stop what its sessions run.
  const dropped = new AbortController();
  client.on('close', () => dropped.abort());

  client.on('ready', () => {
    const who = actor;
    if (!who) return client.end(); // cannot happen: ssh2 is ready only after an accept with a signature
    activity.loggedIn();
    client.on('session', (accept) => handleSession(accept(), who, dropped.signal, deps, activity));
  });
}

type LoginOutcome = { kind: 'reject' } | { kind: 'query' } | { kind: 'accept'; keyName: string };

/**
 * Public key only. A registered key without a signature is just the client asking whether the
 * key would do; with a signature, the signature must verify against the STORED key, or
 * anyone who knows a public key could log in (ssh2 checks nothing itself).
 */
export function checkLogin(ctx: AuthContext, deps: Pick<Deps, 'store' | 'logger'>): LoginOutcome {
  if (ctx.method !== 'publickey') return { kind: 'reject' };
  let stored;
  try {
    stored = deps.store.sshKeys.byFingerprint(fingerprintOf(ctx.key.data));
  } catch (error) {
    deps.logger.error({ err: error }, 'ssh key lookup failed');
    return { kind: 'reject' };
  }
  if (!stored) return { kind: 'reject' };
  if (!ctx.signature) return { kind: 'query' };
  if (!ctx.blob || !verifyKeySignature(stored.publicKey, ctx.blob, ctx.signature, ctx.hashAlgo)) {
    deps.logger.warn({ key: stored.name, fingerprint: stored.fingerprint }, 'ssh login with a bad signature refused');
    return { kind: 'reject' };
  }
  return { kind: 'accept', keyName: stored.name };
}

/** One exec request: its channel and what runs on it. */
export interface Exec {
  channel: ServerChannel;
  /** The client asked for a PTY (ssh -t): its terminal is in raw mode. */
  pty: boolean;
  /** The PTY's size and type, and size changes, when pty is set. */
  terminal: PtyState;
  actor: Actor;
  /** Aborted when the client goes away: the channel closed or the connection dropped. */
  gone: AbortSignal;
  deps: Deps;
}

export interface PtyState {
  rows: number;
  cols: number;
  term: string;
  listeners: Array<(rows: number, cols: number) => void>;
}

function handleSession(session: Session, actor: Actor, dropped: AbortSignal, deps: Deps, activity: Activity): void {
  let pty = false;
  const terminal: PtyState = { rows: 24, cols: 80, term: 'xterm', listeners: [] };
  session.on('pty', (accept, _reject, info) => {
    pty = true;
    terminal.rows = info.rows || terminal.rows;
    terminal.cols = info.cols || terminal.cols;
    terminal.term = /^[A-Za-z0-9._+-]{1,64}$/.test(info.term ?? '') ? info.term : terminal.term;
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    terminal.rows = info.rows;
    terminal.cols = info.cols;
    for (const listener of terminal.listeners) listener(info.rows, info.cols);
    accept?.();
  });
  session.once('shell', (accept, reject) => {
    const channel = accept();
    if (!channel) return reject?.();
    const hint = `paas gives no shell; run a command, e.g. ssh -p ${deps.port} paas@HOST apps:list\n`;
    channel.stderr.write(pty ? toCrlf(Buffer.from(hint)) : hint);
    finish(channel, 1);
  });
  session.once('exec', (accept, reject, info) => {
    const channel = accept();
    if (!channel) return reject?.();
    const closed = new AbortController();
    const busy = activity.busy();
    const over = () => {
      dropped.removeEventListener('abort', over);
      busy();
    };
    channel.once('close', () => {
      closed.abort();
      over();
    });
    dropped.addEventListener('abort', over, { once: true });
    const exec: Exec = { channel, pty, terminal, actor, gone: AbortSignal.any([closed.signal, dropped]), deps };
    handleExec(exec, info.command).catch((error: unknown) => {
      deps.logger.error({ err: error, actor: actor.name }, 'ssh exec failed');
      channel.stderr.write('error: internal error (details in the daemon log)\n');
      finish(channel, 1);
    });
  });
}

export async function handleExec(exec: Exec, command: string): Promise<void> {
  let git: GitCommand | undefined;
  let argv: string[];
  try {
    git = parseGitCommand(command);
    argv = git ? [] : splitCommandLine(command);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return refuse(exec, error);
  }
  if (git) {
    if (exec.pty) return refuse(exec, new UserError('git does not use a terminal; run it without ssh -t'));
    return runGit(exec, git);
  }
  return runCommand(exec, argv);
}

function refuse({ channel, pty }: Exec, error: UserError): void {
  const line = Buffer.from(`error: ${oneLine(error.message)}\n`);
  channel.stderr.write(pty ? toCrlf(line) : line);
  finish(channel, error.exitCode);
}

/** Runs git-receive-pack / git-upload-pack on the app's bare repo: argv, no shell. */
async function runGit(exec: Exec, git: GitCommand): Promise<void> {
  const { channel, actor, gone, deps } = exec;
  let access;
  try {
    access = await deps.gitAccess.open(git.verb, git.app, actor);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return refuse(exec, error);
  }
  if (gone.aborted) return;
  deps.logger.info({ verb: git.verb, app: git.app, actor: actor.name }, 'git over ssh');

  const child = spawn(git.verb, [access.repoPath], {
    env: { ...process.env, ...access.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let done = false;
  const end = (code: number) => {
    if (done) return;
    done = true;
    gone.removeEventListener('abort', stop);
    finish(channel, code);
  };
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  gone.addEventListener('abort', stop, { once: true });
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  // git stops reading when it is done or fails; the rest of the client's data has nowhere to go.
  child.stdin.on('error', () => {});
  child.on('error', (error) => {
    deps.logger.error({ err: error, verb: git.verb }, 'cannot start git');
    channel.stderr.write('error: internal error: cannot start git (details in the daemon log)\n');
    end(1);
  });
  // 'close', not 'exit': by then git's output has all been handed to the channel.
  child.on('close', (code) => end(code ?? 1));
}

/** Runs one paas command with the channel as its stdin/stdout/stderr. */
async function runCommand(exec: Exec, argv: string[]): Promise<void> {
  const { channel, pty, actor, gone, deps } = exec;
  const interrupted = new AbortController();
  const signal = AbortSignal.any([gone, interrupted.signal]);
  const stdout = channelWriter(channel, exec);
  const stderr = channelWriter(channel.stderr, exec);
  // The channel's input is always read, so its close is seen even if the command never reads stdin.
  const input = pty ? terminalRouter(channel, interrupted) : undefined;
  const stdin = input ? input.lines : channel.pipe(new PassThrough());
  const terminal: Terminal | undefined = input && {
    rows: exec.terminal.rows,
    cols: exec.terminal.cols,
    term: exec.terminal.term,
    attach: () => ({ input: input.raw(), output: channel }),
    onResize: (listener) => exec.terminal.listeners.push(listener),
  };

  deps.logger.info({ argv: redactArgv(deps.registry, argv), actor }, 'command');
  const code = await executeCommand(
    deps.registry,
    argv,
    { stdout, stderr, stdin, actor, signal, terminal },
    {
      onInternalError: (error) => deps.logger.error({ err: error, argv: redactArgv(deps.registry, argv) }, 'command failed'),
      appExists: (name) => deps.store.apps.find(name) !== undefined,
    },
  );
  await Promise.all([drain(stdout), drain(stderr)]);
  stdin.resume(); // whatever input is left is for no one; reading it lets the channel close
  // Interrupted with ^C: exit as a shell reports SIGINT, even if the command stopped cleanly.
  finish(channel, interrupted.signal.aborted && code === 0 ? 130 : code);
}

/** The exit status first, then the end: once the channel has ended, exit() is silently dropped. */
function finish(channel: ServerChannel, code: number): void {
  channel.exit(code);
  channel.end();
}

/**
 * A writable for a command's output that never ends the channel (the exit status must go out
 * first), respects the SSH window, drops output once the client is gone, and adds the carriage
 * returns a terminal in raw mode needs when the client asked for a PTY.
 */
function channelWriter(target: Writable, { pty, gone }: Exec): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (gone.aborted) return callback();
      if (target.write(pty ? toCrlf(chunk) : chunk)) return callback();
      const resume = () => {
        target.off('drain', resume);
        gone.removeEventListener('abort', resume);
        callback();
      };
      target.on('drain', resume);
      gone.addEventListener('abort', resume);
    },
  });
}

/** Waits until everything written to a channelWriter was handed to the channel. */
async function drain(writer: Writable): Promise<void> {
  if (!writer.writableEnded) writer.end();
  await finished(writer).catch(() => {});
}

/** "\n" -> "\r\n" (bytes, so UTF-8 split across chunks is untouched); an existing "\r\n" stays. */
export function toCrlf(chunk: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i]!;
    if (byte === 0x0a && (i === 0 || chunk[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(byte);
  }
  return out.length === chunk.length ? chunk : Buffer.from(out);
}

/**
 * A terminal's input goes, from its first byte, to whichever reader comes first: a command
 * reading stdin gets lines (see terminalInput); a program attached to the terminal (psql, a
 * shell) gets the raw bytes. What was typed before either asked is kept for it.
 */
function terminalRouter(channel: ServerChannel, interrupted: AbortController): { lines: Readable; raw(): Readable } {
  const pending: Buffer[] = [];
  let ended = false;
  let sink: Writable | undefined;
  channel.on('data', (chunk: Buffer) => {
    if (sink) return void sink.write(chunk);
    // Nobody reads yet: ^C still cancels the command, as it would in line mode.
    if (chunk.includes(0x03)) interrupted.abort();
    pending.push(chunk);
  });
  channel.on('end', () => {
    ended = true;
    sink?.end();
  });
  const route = (to: Writable) => {
    if (sink) return;
    sink = to;
    for (const chunk of pending.splice(0)) to.write(chunk);
    if (ended) to.end();
  };
  const lineInput = terminalInput(interrupted);
  const lines = new Readable({
    read() {
      route(lineInput);
    },
  });
  lineInput.on('data', (chunk: Buffer) => lines.push(chunk));
  lineInput.on('end', () => lines.push(null));
  return {
    lines,
    raw() {
      const raw = new PassThrough();
      route(raw);
      return raw;
    },
  };
}

/**
 * Input from a client in raw terminal mode (ssh -t): ^C cancels the command, ^D ends the
 * input, Enter ("\r") becomes "\n". Without a PTY these arrive as signals and EOF instead.
 */
function terminalInput(interrupted: AbortController): Transform {
  let ended = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (ended) return callback();
      const out: number[] = [];
      for (const byte of chunk) {
        if (byte === 0x03) interrupted.abort();
        if (byte === 0x03 || byte === 0x04) {
          ended = true;
          this.push(Buffer.from(out));
          this.push(null);
          return callback();
        }
        out.push(byte === 0x0d ? 0x0a : byte);
      }
      callback(null, Buffer.from(out));
    },
  });
}
