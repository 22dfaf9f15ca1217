import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { Duplex, Writable } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import { FrameKind, encodeFrame } from '../core/frames.js';
import { UserError, oneLine } from '../core/errors.js';
import type { Deps, PtyState } from './session.js';
import { handleExec } from './session.js';

/**
 * The system sshd's side door (Dokku's model): a user's authorized_keys line runs
 * `paas ssh-forward --key NAME --fingerprint FP` as the system user `paas`, which connects here.
 *
 * The socket is open to the group of that user only, never to the world, and the daemon takes a
 * request as coming from "ssh key NAME" (the same rights as the built-in SSH server gives that
 * key), and only while that key is still registered with that fingerprint: a removed key is
 * refused even if a stale authorized_keys line still runs the forwarder.
 *
 * Protocol: one JSON line (ForwardRequest), then the caller's stdin as raw bytes (end = EOF);
 * the daemon answers with the frames of the command socket (stdout, stderr, exit code).
 */
export interface ForwardRequest {
  /** SSH_ORIGINAL_COMMAND: a paas command line or git-receive-pack/git-upload-pack 'APP'. */
  command: string;
  key: string;
  fingerprint: string;
  /** The caller has a terminal (ssh -t): its size and type. */
  pty?: { rows: number; cols: number; term: string };
}

const MAX_HEADER = 64 * 1024;

export interface ForwardSocketOptions {
  path: string;
  /** The group that may connect (the system user's group): the socket is root:GROUP 0660. */
  gid: number;
  deps: Deps;
}

export async function startForwardSocket(options: ForwardSocketOptions): Promise<{ close(): Promise<void> }> {
  const { path, gid, deps } = options;
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  chownSync(dirname(path), 0, gid);
  chmodSync(dirname(path), 0o750);
  rmSync(path, { force: true });
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    serve(socket, deps).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'ssh forward failed');
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chownSync(path, 0, gid);
  chmodSync(path, 0o660);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(path, { force: true });
      }),
  };
}

async function serve(socket: Socket, deps: Deps): Promise<void> {
  const { request, rest } = await readHeader(socket);
  const channel = socketChannel(socket, rest);
  const gone = new AbortController();
  socket.once('close', () => gone.abort());
  let keyName: string;
  try {
    keyName = checkKey(request, deps);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    channel.stderr.write(`error: ${oneLine(error.message)}\n`);
    channel.exit(error.exitCode);
    channel.end();
    return;
  }
  const terminal: PtyState = {
    rows: request.pty?.rows ?? 24,
    cols: request.pty?.cols ?? 80,
    term: request.pty?.term ?? 'xterm',
    listeners: [],
  };
  await handleExec(
    {
      channel: channel as unknown as ServerChannel, // the subset handleExec uses: a duplex with stderr, exit() and end()
      pty: request.pty !== undefined,
      terminal,
      actor: { name: `ssh key ${keyName}`, transport: 'ssh' },
      gone: gone.signal,
      deps,
    },
    request.command,
  );
}

/** The key must still be registered under that name with that fingerprint. */
function checkKey(request: ForwardRequest, deps: Pick<Deps, 'store'>): string {
  const stored = deps.store.sshKeys.byName(request.key);
  if (!stored || stored.fingerprint !== request.fingerprint) {
    throw new UserError('this ssh key is not registered with paas (any more); ask an admin to add it with: paas ssh-keys:add NAME');
  }
  return stored.name;
}

/** The request line, and what came after it in the same chunks (the start of stdin). */
function readHeader(socket: Socket): Promise<{ request: ForwardRequest; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline === -1) {
        if (buffered.length > MAX_HEADER) done(new Error('ssh forward: request line too long'));
        return;
      }
      done(undefined, buffered.subarray(0, newline).toString('utf8'), buffered.subarray(newline + 1));
    };
    const onEnd = () => done(new Error('ssh forward: no request line'));
    const done = (error?: Error, line?: string, rest?: Buffer) => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if (error) return reject(error);
      try {
        resolve({ request: parseRequest(line!), rest: rest! });
      } catch (parseError) {
        reject(parseError);
      }
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}

function parseRequest(line: string): ForwardRequest {
  const value = JSON.parse(line) as Partial<ForwardRequest>;
  if (typeof value.command !== 'string' || typeof value.key !== 'string' || typeof value.fingerprint !== 'string') {
    throw new Error('ssh forward: malformed request');
  }
  const pty = value.pty;
  const valid = pty === undefined || (Number.isInteger(pty.rows) && Number.isInteger(pty.cols) && /^[A-Za-z0-9._+-]{1,64}$/.test(pty.term));
  return { command: value.command, key: value.key, fingerprint: value.fingerprint, pty: valid ? pty : undefined };
}

/** What handleExec needs of an SSH channel, over the socket: input, framed output, exit status. */
function socketChannel(socket: Socket, first: Buffer): Duplex & { stderr: Writable; exit(code: number): void } {
  // Frames go out in the order they are written; only stdout waits for the socket to drain.
  const send = (kind: FrameKind, chunk: Buffer | string, callback: (error?: Error | null) => void, wait: boolean) => {
    if (socket.destroyed || socket.writableEnded) return callback();
    if (socket.write(encodeFrame(kind, chunk)) || !wait) callback();
    else socket.once('drain', () => callback());
  };
  let exitCode: number | undefined;
  const channel = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      send(FrameKind.Stdout, chunk, callback, true);
    },
    // The exit status goes out after every byte of output written before end().
    final(callback) {
      if (exitCode !== undefined && !socket.destroyed) socket.write(encodeFrame(FrameKind.Exit, String(exitCode)));
      socket.end();
      callback();
    },
  });
  if (first.length) channel.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!channel.push(chunk)) socket.pause();
  });
  socket.on('end', () => channel.push(null));
  const stderr = new Writable({ write: (chunk: Buffer, _encoding, callback) => send(FrameKind.Stderr, chunk, callback, false) });
  return Object.assign(channel, {
    stderr,
    exit: (code: number) => {
      exitCode = code;
    },
  });
}
