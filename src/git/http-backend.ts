import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { UserError } from '../core/errors.js';
import type { Logger } from '../daemon/logger.js';
import type { GitAccess, GitVerb } from './git-access.js';

export interface GitHttpOptions {
  gitAccess: GitAccess;
  reposDir: string;
  logger: Logger;
}

const REPO = /^([a-z][a-z0-9-]{0,62})\.git$/;
const SERVICES: ReadonlySet<string> = new Set(['git-upload-pack', 'git-receive-pack']);

/**
 * Git's smart HTTP protocol at /APP.git, served by `git http-backend` (git's own CGI program).
 * These routes sit behind the API server's token check, which runs on every request,
 * so a POST without credentials never reaches git.
 */
export function gitHttpRoutes(options: GitHttpOptions): FastifyPluginAsync {
  return async (app) => {
    // Leave request bodies unread: git reads the pack straight from the socket.
    for (const type of ['application/x-git-receive-pack-request', 'application/x-git-upload-pack-request']) {
      app.addContentTypeParser(type, (_request, _payload, done) => done(null));
    }

    app.get<{ Params: { repo: string }; Querystring: { service?: string } }>('/:repo/info/refs', async (request, reply) => {
      const service = request.query.service ?? '';
      if (!SERVICES.has(service)) return reply.code(403).send('only smart HTTP is served: use a git client\n');
      reply.hijack();
      await serve(options, request.params.repo, service as GitVerb, 'info/refs', request.raw, reply.raw, actorName(request.actor));
    });

    for (const service of SERVICES) {
      app.post<{ Params: { repo: string } }>(`/:repo/${service}`, async (request, reply) => {
        reply.hijack();
        await serve(options, request.params.repo, service as GitVerb, service, request.raw, reply.raw, actorName(request.actor));
      });
    }
  };
}

function actorName(actor: { name: string } | null): string {
  return actor?.name ?? 'unknown';
}

async function serve(
  options: GitHttpOptions,
  repo: string,
  verb: GitVerb,
  pathRest: string,
  req: IncomingMessage,
  res: ServerResponse,
  actor: string,
): Promise<void> {
  const match = REPO.exec(repo);
  if (!match) return plain(res, 404, `no such repository; git remotes look like http://HOST/APP.git\n`);
  let access;
  try {
    access = await options.gitAccess.open(verb, match[1]!, { name: actor, transport: 'http' });
  } catch (error) {
    if (error instanceof UserError) return plain(res, 404, `${error.message}\n`);
    throw error;
  }
  const url = new URL(req.url ?? '/', 'http://paas');
  const child = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      ...access.env,
      GIT_PROJECT_ROOT: options.reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${repo}/${pathRest}`,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: headerValue(req.headers['git-protocol']),
      REMOTE_USER: actor,
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.on('data', (chunk: Buffer) => options.logger.warn({ repo, stderr: chunk.toString() }, 'git http-backend'));
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  res.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  relayCgiResponse(child.stdout, res);
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
}

/** A CGI response: header lines, a blank line, then the body. */
function relayCgiResponse(stdout: NodeJS.ReadableStream, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  let headersSent = false;
  stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const separator = findHeaderEnd(head);
    if (!separator) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, separator.index).toString('latin1'));
    res.writeHead(status, headers);
    headersSent = true;
    const body = head.subarray(separator.index + separator.length);
    if (body.length) res.write(body);
  });
  stdout.on('end', () => {
    if (!headersSent) plain(res, 502, 'git http-backend gave no response\n');
    else res.end();
  });
}

function findHeaderEnd(buffer: Buffer): { index: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  if (crlf !== -1) return { index: crlf, length: 4 };
  const lf = buffer.indexOf('\n\n');
  return lf === -1 ? undefined : { index: lf, length: 2 };
}

export function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
