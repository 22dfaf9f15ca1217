import { PassThrough, Writable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../core/command.js';
import { errorMessage, type CommandResult, type CommandRunner } from './run-command.js';

/** An error reply: the CLI's one line, with the HTTP status it maps to. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 404 for what does not exist, 500 for the daemon's own failures, 400 for the rest of the caller's mistakes. */
export function statusOf(message: string): number {
  if (message.startsWith('internal error')) return 500;
  if (/does not exist|^unknown command|has no (build|release) /.test(message)) return 404;
  return 400;
}

const actorOf = (request: FastifyRequest): Actor => request.actor ?? { name: 'unknown', transport: 'http' };

/**
 * What routes use: run a registered command as the request's caller and get its stdout, or an
 * ApiError carrying the command's own message.
 */
export class HttpCommands {
  constructor(private readonly runner: CommandRunner) {}

  async text(request: FastifyRequest, argv: readonly string[]): Promise<string> {
    const result = await this.runner.run(argv, actorOf(request));
    if (result.code !== 0) throw failure(result);
    return result.stdout;
  }

  async json<T = unknown>(request: FastifyRequest, argv: readonly string[]): Promise<T> {
    return JSON.parse(await this.text(request, argv)) as T;
  }

  /** The command's output for an action (`-----> Releasing blog v4 ...`): what the CLI user would read. */
  async action(request: FastifyRequest, argv: readonly string[]): Promise<{ output: string }> {
    return { output: await this.text(request, argv) };
  }

  /**
   * Streams a command's stdout as text/plain while it runs (logs -t, builds:output -t). A command
   * that fails before printing anything gets a JSON error reply like any other route; one that
   * fails later ends its stream with its error line.
   */
  async stream(request: FastifyRequest, reply: FastifyReply, argv: readonly string[]): Promise<void> {
    const out = new PassThrough();
    const aborted = new AbortController();
    reply.raw.on('close', () => aborted.abort());
    let wrote = false;
    let markWritten: () => void = () => undefined;
    const firstWrite = new Promise<'data'>((resolve) => (markWritten = () => resolve('data')));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        wrote = true;
        markWritten();
        if (out.write(chunk)) callback();
        else out.once('drain', () => callback());
      },
    });
    const done = this.runner.stream(argv, actorOf(request), sink, aborted.signal).then((result) => {
      if (result.code !== 0 && wrote) out.write(`error: ${errorMessage(result)}\n`);
      out.end();
      return result;
    });
    if ((await Promise.race([firstWrite, done])) !== 'data') {
      const result = await done;
      if (result.code !== 0 && !wrote) throw failure(result);
    }
    // Proxies (the managed nginx) pass each chunk on at once instead of buffering the stream.
    void reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').header('x-accel-buffering', 'no');
    return reply.send(out);
  }
}

function failure(result: Pick<CommandResult, 'stderr' | 'code'>): ApiError {
  const message = errorMessage(result);
  return new ApiError(statusOf(message), message);
}
