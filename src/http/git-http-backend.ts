import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Actor } from '../core/command.js';
import { UserError } from '../core/errors.js';
import type { Logger } from '../daemon/logger.js';
import type { GitAccess, GitRepoAccess, GitVerb } from '../git/git-access.js';
import { git } from '../git/run-git.js';

export interface GitHttpOptions {
  gitAccess: GitAccess;
  reposDir: string;
  /** A folder holding `new.git`, an empty bare repo: what a push to an app not created yet sees. */
  emptyRepoRoot: string;
  /** A push whose upload stalls this long is cut; once uploaded, its build runs as long as it needs. */
  uploadIdleTimeoutMs: number;
  logger: Logger;
}

const REPO = /^([a-z0-9][a-z0-9-]{0,62})\.git$/;
const SERVICES: ReadonlySet<string> = new Set(['git-upload-pack', 'git-receive-pack']);
const EMPTY_REPO = 'new.git';

/**
 * Git's smart HTTP protocol at /APP.git, served by `git http-backend` (git's own CGI program).
 * These routes sit behind the API server's token check, which runs on every request,
 * so a POST without credentials never reaches git. A read never creates an app: the
 * advertisement before a first push comes from an empty repo, and the push itself creates it.
 */
export function gitHttpRoutes(options: GitHttpOptions): FastifyPluginAsync {
  return async (app) => {
    // Leave request bodies unread: git reads the pack straight from the socket.
    for (const service of SERVICES) {
      app.addContentTypeParser(`application/x-${service}-request`, (_request, _payload, done) => done(null));
    }

    app.get<{ Params: { repo: string }; Querystring: { service?: string } }>('/:repo/info/refs', async (request, reply) => {
      const service = request.query.service ?? '';
      if (!SERVICES.has(service)) return reply.code(403).send('only smart HTTP is served: use a git client\n');
      reply.hijack();
      const actor: Actor = { name: actorName(request.actor), transport: 'http' };
      const target = await resolve(request.params.repo, (app) => options.gitAccess.peek(service as GitVerb, app, actor));
      if ('refusal' in target) return plain(reply.raw, 404, target.refusal);
      // An app a push would create: advertise an empty repository, as the new app's will be.
      const repo = target.access
        ? { root: options.reposDir, name: request.params.repo, env: target.access.env }
        : { root: await ensureEmptyRepo(options.emptyRepoRoot), name: EMPTY_REPO, env: {} };
      await serve(options, repo, 'info/refs', request.raw, reply.raw, actor.name);
    });

    for (const service of SERVICES) {
      app.post<{ Params: { repo: string } }>(`/:repo/${service}`, async (request, reply) => {
        const type = `application/x-${service}-request`;
        if (request.headers['content-type'] !== type) {
          return reply.code(415).send(`${service} takes a body of type ${type}: use a git client\n`);
        }
        reply.hijack();
        const actor: Actor = { name: actorName(request.actor), transport: 'http' };
        const target = await resolve(request.params.repo, (app) => options.gitAccess.open(service as GitVerb, app, actor));
        if ('refusal' in target) return plain(reply.raw, 404, target.refusal);
        const repo = { root: options.reposDir, name: request.params.repo, env: target.access!.env };
        await serve(options, repo, service, request.raw, reply.raw, actor.name);
      });
    }
  };
}

function actorName(actor: { name: string } | null): string {
  return actor?.name ?? 'unknown';
}

/** The app named by `/APP.git`, through GitAccess; a refusal is one line for a 404. */
async function resolve(
  repo: string,
  lookup: (app: string) => Promise<GitRepoAccess | undefined>,
): Promise<{ access: GitRepoAccess | undefined } | { refusal: string }> {
  const match = REPO.exec(repo);
  if (!match) return { refusal: 'no such repository; git remotes look like https://HOST:PORT/APP.git\n' };
  try {
    return { access: await lookup(match[1]) };
  } catch (error) {
    if (error instanceof UserError) return { refusal: `${error.message}\n` };
    throw error;
  }
}

async function ensureEmptyRepo(root: string): Promise<string> {
  if (!existsSync(join(root, EMPTY_REPO, 'HEAD'))) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    await git(['init', '--bare', '--quiet', '--initial-branch=main', join(root, EMPTY_REPO)]);
  }
  return root;
}

async function serve(
  options: GitHttpOptions,
  repo: { root: string; name: string; env: NodeJS.ProcessEnv },
  pathRest: string,
  req: IncomingMessage,
  res: ServerResponse,
  actor: string,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://paas');
  const child = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      ...repo.env,
      GIT_PROJECT_ROOT: repo.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${repo.name}/${pathRest}`,
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
  child.stderr.on('data', (chunk: Buffer) => options.logger.warn({ repo: repo.name, stderr: chunk.toString() }, 'git http-backend'));
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  if (!req.complete) {
    req.socket.setTimeout(options.uploadIdleTimeoutMs, () => req.socket.destroy());
    req.once('end', () => req.socket.setTimeout(0));
  }
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
