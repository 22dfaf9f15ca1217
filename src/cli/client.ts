import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { COMMAND_CONTENT_TYPE, COMMAND_PATH, FrameDecoder, FrameKind } from '../core/frames.js';
import { describeTarget, type Target } from './target.js';

export class DaemonUnreachable extends Error {}

export interface CommandIo {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** Piped to the daemon as the command's stdin; undefined sends none. */
  stdin?: NodeJS.ReadableStream;
}

/** Sends one command line and relays the streamed reply; resolves with the exit code. */
export function sendCommand(target: Target, argv: readonly string[], io: CommandIo): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = openRequest(target);
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTFOUND', 'EHOSTUNREACH'].includes(error.code ?? '')) {
        reject(new DaemonUnreachable(unreachableMessage(target, error)));
      } else {
        reject(error);
      }
    });
    req.on('response', (res) => relayResponse(res, io, resolve, reject));
    req.write(`${JSON.stringify({ argv })}\n`);
    if (io.stdin) io.stdin.pipe(req);
    else req.end();
  });
}

function openRequest(target: Target): ClientRequest {
  const headers: Record<string, string> = { 'content-type': COMMAND_CONTENT_TYPE };
  if (target.kind === 'socket') {
    return request({ socketPath: target.socketPath, method: 'POST', path: COMMAND_PATH, headers });
  }
  headers.authorization = `Bearer ${target.token}`;
  return request(new URL(COMMAND_PATH, target.url), { method: 'POST', headers });
}

function relayResponse(
  res: IncomingMessage,
  io: CommandIo,
  resolve: (code: number) => void,
  reject: (error: Error) => void,
): void {
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
