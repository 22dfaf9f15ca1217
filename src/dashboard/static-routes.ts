import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

/** The dashboard's files (hand-written HTML, JS and CSS; no build step), beside the sources. */
export const STATIC_DIR = resolve(import.meta.dirname, '../../src/dashboard/static');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** Reads the dashboard's files once, on the first request: a daemon nobody browses spends nothing on them. */
function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    files.set(name, { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` });
  }
  return files;
}

const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/** GET / (and /login, whose #secret the page trades for a session) and /assets/NAME; public, like any login page. */
export const staticRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, options) => {
  let files: Map<string, StaticFile> | undefined;
  const serve =
    (name: string) =>
    async (request: { headers: Record<string, string | string[] | undefined> }, reply: import('fastify').FastifyReply) => {
      files ??= loadFiles(options.dir ?? STATIC_DIR);
      const file = files.get(name);
      if (!file) return reply.code(404).send({ error: 'no such file' });
      void reply.headers({ ...HEADERS, etag: file.etag, 'content-type': file.type });
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.send(file.body);
    };
  const config = { paasAuth: { public: true } };
  app.get('/', { config }, serve('index.html'));
  app.get('/login', { config }, serve('index.html'));
  app.get<{ Params: { name: string } }>('/assets/:name', { config }, (request, reply) => serve(request.params.name)(request, reply));
};
