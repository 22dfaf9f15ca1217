import { PassThrough, Writable, type Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Actor } from '../core/command.js';
import { executeCommand } from '../core/execute.js';
import { COMMAND_CONTENT_TYPE, COMMAND_PATH, FrameKind, encodeFrame, type CommandRequest } from '../core/frames.js';
import type { CommandRegistry } from '../core/registry.js';
import type { Logger } from '../daemon/logger.js';

export interface CommandRouteOptions {
  registry: CommandRegistry;
  logger: Logger;
  actorOf(request: FastifyRequest): Actor;
  /** Whether an app exists, for the client's --app-hint. */
  appExists?(name: string): boolean;
  /** How long a client may take to send the command line; unlimited when unset (the local socket). */
  commandLineTimeoutMs?: number;
}

const MAX_COMMAND_LINE = 1024 * 1024;

/**
 * POST /v1/commands: the body is one JSON line `{"argv": [...]}` followed by the caller's stdin;
 * the reply streams stdout/stderr frames as the command produces them, then the exit code.
 */
export const commandRoute: FastifyPluginAsync<CommandRouteOptions> = async (app, options) => {
  // Leave the body unread: the handler streams it, since stdin can be a database dump.
  app.addContentTypeParser(COMMAND_CONTENT_TYPE, (_request, _payload, done) => done(null));

  app.post(COMMAND_PATH, async (request, reply) => {
    // Another type's body was already read by its parser: the command line would never come.
    if (request.headers['content-type'] !== COMMAND_CONTENT_TYPE) {
      return reply.code(415).send({
        error: `a command is a POST of type ${COMMAND_CONTENT_TYPE}: {"argv": [...]} on one line, then stdin; use the paas command`,
      });
    }
    reply.hijack();
    const res = reply.raw;
    let parsed: { command: CommandRequest; stdin: Readable };
    try {
      parsed = await readCommandRequest(request.raw, options.commandLineTimeoutMs);
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`${error instanceof Error ? error.message : String(error)}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-paas-frames', 'cache-control': 'no-store' });
    res.flushHeaders();
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const { argv } = parsed.command;
    const actor = options.actorOf(request);
    const code = await executeCommand(
      options.registry,
      argv,
      {
        stdout: frameWriter(res, FrameKind.Stdout),
        stderr: frameWriter(res, FrameKind.Stderr),
        stdin: parsed.stdin,
        actor,
        signal: aborted.signal,
      },
      {
        logger: options.logger,
        appExists: options.appExists,
      },
    );
    parsed.stdin.destroy();
    if (!res.destroyed) res.end(encodeFrame(FrameKind.Exit, String(code)));
  });
};

function frameWriter(res: NodeJS.WritableStream & { destroyed: boolean }, kind: FrameKind): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (res.destroyed) return callback();
      if (res.write(encodeFrame(kind, chunk))) callback();
      else res.once('drain', () => callback());
    },
  });
}

function readCommandRequest(req: Readable, timeoutMs: number | undefined): Promise<{ command: CommandRequest; stdin: Readable }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const timer = timeoutMs
      ? setTimeout(() => {
          cleanup();
          reject(new Error(`no command line within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs)
      : undefined;
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const newline = head.indexOf(10);
      if (newline === -1) {
        if (head.length > MAX_COMMAND_LINE) {
          cleanup();
          reject(new Error('command line too long'));
        }
        return;
      }
      cleanup();
      req.pause();
      let command: CommandRequest;
      try {
        command = parseCommandLine(head.subarray(0, newline).toString('utf8'));
      } catch (error) {
        reject(error);
        return;
      }
      const stdin = new PassThrough();
      const rest = head.subarray(newline + 1);
      if (rest.length) stdin.write(rest);
      req.pipe(stdin);
      resolve({ command, stdin });
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('the request ended before the command line'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
  });
}

function parseCommandLine(line: string): CommandRequest {
  const value: unknown = JSON.parse(line);
  const argv = (value as { argv?: unknown }).argv;
  if (!Array.isArray(argv) || !argv.every((arg) => typeof arg === 'string')) {
    throw new Error('the command line must be {"argv": ["command", "arg", ...]}');
  }
  return { argv };
}
