import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { COMMAND_CONTENT_TYPE, COMMAND_PATH, FrameDecoder, FrameKind } from '../core/frames.js';
import { checkPin, type TlsPin } from './known-hosts.js';
import { describeTarget, type Target } from './target.js';

export class DaemonUnreachable extends Error {}

export interface CommandIo {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** Piped to the daemon as the command's stdin; undefined sends none. */
  stdin?: NodeJS.ReadableStream;
}

/** Sends one command line and relays the streamed reply; resolves with the exit code. */
export async function sendCommand(target: Target, argv: readonly string[], io: CommandIo): Promise<number> {
  const req = await openRequest(target, io).catch((error: NodeJS.ErrnoException) => {
    throw connectionError(target, error);
  });
  return new Promise((resolve, reject) => {
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(target, error)));
    req.on('response', (res) => relayResponse(res, io, resolve, reject));
    req.write(`${JSON.stringify({ argv })}\n`);
    if (io.stdin) io.stdin.pipe(req);
    else req.end();
  });
}

async function openRequest(target: Target, io: CommandIo): Promise<ClientRequest> {
  const headers: Record<string, string> = { 'content-type': COMMAND_CONTENT_TYPE };
  if (target.kind === 'socket') {
    return request({ socketPath: target.socketPath, method: 'POST', path: COMMAND_PATH, headers });
  }
  headers.authorization = `Bearer ${target.token}`;
  const url = new URL(COMMAND_PATH, target.url);
  if (!target.tls) return request(url, { method: 'POST', headers });
  // The certificate is checked before the request exists: a token never goes to an unpinned server.
  const socket = await pinnedConnection(target.url, target.tls, (line) => io.stderr(Buffer.from(`${line}\n`)));
  return httpsRequest(url, { method: 'POST', headers, createConnection: () => socket });
}

/** A TLS connection to the daemon whose certificate passed checkPin (a self-signed one is expected). */
function pinnedConnection(url: URL, pin: TlsPin, notice: (line: string) => void): Promise<TLSSocket> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      try {
        checkPin(`${url.hostname}:${port}`, socket.getPeerCertificate().fingerprint256, pin, notice);
      } catch (error) {
        socket.destroy();
        return reject(error);
      }
      resolve(socket);
    });
  });
}

function connectionError(target: Target, error: NodeJS.ErrnoException): Error {
  if (['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTFOUND', 'EHOSTUNREACH'].includes(error.code ?? '')) {
    return new DaemonUnreachable(unreachableMessage(target, error));
  }
  if (target.kind === 'http' && !target.tls && (error.code === 'ECONNRESET' || error.message === 'socket hang up')) {
    return new Error(
      `the paas daemon at ${describeTarget(target)} closed the connection; if its API speaks TLS (the default unless bound to loopback), use PAAS_API_URL=https://...`,
    );
  }
  if (target.kind === 'http' && target.tls && /wrong version number|EPROTO/i.test(`${error.code} ${error.message}`)) {
    return new Error(
      `the paas daemon at ${describeTarget(target)} does not speak TLS; if it was started with PAAS_API_INSECURE=1 or on loopback, use PAAS_API_URL=http://...`,
    );
  }
  return error;
}

function relayResponse(res: IncomingMessage, io: CommandIo, resolve: (code: number) => void, reject: (error: Error) => void): void {
  if (res.statusCode !== 200) {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => reject(new Error(httpErrorMessage(res.statusCode ?? 0, body))));
    return;
  }
  const decoder = new FrameDecoder();
  let exitCode: number | undefined;
  res.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      if (frame.kind === FrameKind.Stdout) io.stdout(frame.payload);
      else if (frame.kind === FrameKind.Stderr) io.stderr(frame.payload);
      else if (frame.kind === FrameKind.Exit) exitCode = Number(frame.payload.toString());
    }
  });
  res.on('end', () => {
    if (exitCode === undefined) reject(new Error('lost the connection to the paas daemon before the command finished'));
    else resolve(exitCode);
  });
  res.on('error', reject);
}

function httpErrorMessage(status: number, body: string): string {
  let detail = body.trim();
  try {
    detail = (JSON.parse(body) as { error?: string }).error ?? detail;
  } catch {
    // not JSON: keep the text as it came
  }
  return `the paas daemon answered HTTP ${status}: ${detail}`;
}

function unreachableMessage(target: Target, error: NodeJS.ErrnoException): string {
  if (target.kind === 'socket') {
    if (error.code === 'EACCES') return `permission denied on ${target.socketPath}; run paas as root (sudo paas ...)`;
    return `the paas daemon is not running (${describeTarget(target)}); start it with: paas daemon`;
  }
  return `cannot reach the paas daemon at ${describeTarget(target)} (${error.code})`;
}
