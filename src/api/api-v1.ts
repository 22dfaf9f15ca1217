import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../core/command.js';
import type { CommandRegistry } from '../core/registry.js';
import type { Logger } from '../daemon/logger.js';
import { SESSION_TTL_MS, cookieValue, csrfMatches, sessionCookie, type Session, type SessionStore } from '../dashboard/sessions.js';
import { appRoutes } from './app-routes.js';
import { ApiError, HttpCommands } from './http-commands.js';
import { openApiDocument, type RouteRecord } from './openapi.js';
import { requestScheme } from './request-scheme.js';
import { commandRunner } from './run-command.js';
import { withErrors } from './schemas.js';
import { serviceRoutes } from './service-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session the request came with, when it came without an API token. */
    dashboardSession?: Session;
  }
}

export interface ApiV1Options {
  registry: CommandRegistry;
  logger: Logger;
  sessions: SessionStore;
  /** Whether a session may still be used (the admin can turn dashboard login off for token holders). */
  loginAllowed(session: Pick<Session, 'transport'>): boolean;
  /** The address the managed nginx connects from; its X-Forwarded-Proto is believed (see requestScheme). */
  proxyAddress: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The JSON API under /api/v1: every route runs registered commands (see HttpCommands), so the
 * API has no rules of its own. Reached with an API token, or with a dashboard session cookie
 * plus its CSRF token for anything that changes state.
 */
export const apiV1: FastifyPluginAsync<ApiV1Options> = async (app, options) => {
  const { sessions } = options;
  const sessionActor = (request: FastifyRequest): Actor | undefined => {
    const cookie = cookieValue(request.headers.cookie);
    const session = cookie ? sessions.find(cookie) : undefined;
    if (!session || !options.loginAllowed(session)) return undefined;
    request.dashboardSession = session;
    // Never the socket's powers (e.g. host folders for storage:mount): the browser is a network caller.
    return { name: `dashboard ${session.owner}`, transport: 'http' };
  };

  const routes: RouteRecord[] = [];
  app.addHook('onRoute', (route) => {
    route.config = { paasAuth: { session: sessionActor }, ...route.config };
    if (route.url.startsWith('/api/v1/') && route.method !== 'HEAD') routes.push(route);
  });
  // Only JSON bodies: a cross-site form can send text/plain or form data without a preflight.
  app.removeContentTypeParser(['text/plain']);
  app.addHook('preHandler', async (request) => refuseForgery(request, options.proxyAddress));
  app.setErrorHandler((error: FastifyError | ApiError, _request, reply) => sendError(reply, error, options.logger));

  const commands = new HttpCommands(commandRunner(options.registry, options.logger));
  appRoutes(app, commands);
  serviceRoutes(app, commands, options.registry);

  app.post<{ Body: { token: string } }>('/api/v1/session', {
    config: { paasAuth: { public: true } },
    schema: {
      summary: 'Log in: trade the one-time secret of a login link (paas dashboard:login-link) for a session cookie',
      tags: ['session'],
      body: {
        type: 'object',
        properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
        required: ['token'],
        additionalProperties: false,
      },
      response: withErrors({ 200: SESSION }),
    },
    handler: async (request, reply) => {
      const redeemed = sessions.redeem(request.body.token);
      if (!redeemed)
        throw new ApiError(401, 'this login link is unknown, used or expired; print a new one with: paas dashboard:login-link');
      if (!options.loginAllowed(redeemed.session)) {
        sessions.revoke((s) => s === redeemed.session);
        throw new ApiError(
          403,
          'dashboard login is off for API token and SSH key holders; ask the admin (paas dashboard:set --global token-login true)',
        );
      }
      options.logger.info({ session: redeemed.session.id, owner: redeemed.session.owner }, 'dashboard login');
      void reply.header('set-cookie', sessionCookie(redeemed.cookie, SESSION_TTL_MS));
      return describe(redeemed.session);
    },
  });

  app.get('/api/v1/session', {
    schema: {
      summary: 'Who is logged in, and the CSRF token to send in X-CSRF-Token',
      tags: ['session'],
      response: withErrors({ 200: SESSION }),
    },
    handler: async (request) =>
      request.dashboardSession
        ? describe(request.dashboardSession)
        : { owner: request.actor?.name ?? 'unknown', csrf: null, expiresAt: null },
  });

  app.delete('/api/v1/session', {
    schema: {
      summary: 'Log out: end this dashboard session',
      tags: ['session'],
      response: withErrors({ 200: { type: 'object', properties: { ended: { type: 'boolean' } } } }),
    },
    handler: async (request, reply) => {
      const session = request.dashboardSession;
      if (session) sessions.revoke((s) => s === session);
      void reply.header('set-cookie', sessionCookie('', 0));
      return { ended: session !== undefined };
    },
  });

  app.get('/api/v1/openapi.json', {
    config: { paasAuth: { public: true } },
    schema: { summary: 'This document', tags: ['meta'], response: { 200: { type: 'object', additionalProperties: true } } },
    handler: async () => openApiDocument(routes),
  });
};

const SESSION = {
  type: 'object',
  properties: { owner: { type: 'string' }, csrf: { type: ['string', 'null'] }, expiresAt: { type: ['string', 'null'] } },
  required: ['owner'],
} as const;

const describe = (session: Session) => ({ owner: session.owner, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() });

/**
 * A state change must come from this origin: browsers say where a request comes from (Origin,
 * Sec-Fetch-Site), and a session must also echo its CSRF token, which another site cannot read.
 * The origin is the scheme the browser spoke (see requestScheme: behind the managed nginx, its
 * X-Forwarded-Proto) and the Host it asked for, so an http page of the same name is another origin.
 */
export function refuseForgery(request: FastifyRequest, proxyAddress: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new ApiError(403, 'cross-site request refused');
  const origin = request.headers.origin;
  if (origin !== undefined && originOf(origin) !== ownOrigin(request, proxyAddress)) throw new ApiError(403, 'cross-site request refused');
  if (request.dashboardSession && !csrfMatches(request.dashboardSession, header(request.headers['x-csrf-token']))) {
    throw new ApiError(403, 'missing or wrong X-CSRF-Token; reload the dashboard');
  }
}

function originOf(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return `${url.protocol}//${url.host}`;
  } catch {
    return undefined;
  }
}

function ownOrigin(request: FastifyRequest, proxyAddress: string): string | undefined {
  const socket = request.raw.socket as import('node:net').Socket & { encrypted?: boolean };
  const scheme = requestScheme({
    encrypted: socket.encrypted === true,
    remoteAddress: socket.remoteAddress,
    forwardedProto: request.headers['x-forwarded-proto'],
    proxyAddress,
  });
  // Through URL, as the browser's Origin was: a default port is dropped, the host lowercased.
  return request.headers.host === undefined ? undefined : originOf(`${scheme}://${request.headers.host}`);
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function sendError(reply: FastifyReply, error: FastifyError | ApiError, logger: Logger): FastifyReply {
  if (error instanceof ApiError) return reply.code(error.status).send({ error: error.message });
  const status = error.statusCode ?? 500;
  if (status >= 500) logger.error({ err: error }, 'api route failed');
  const message = error.validation
    ? `invalid request: ${error.message}`
    : status >= 500
      ? 'internal error (details in the daemon log)'
      : error.message;
  return reply.code(status).send({ error: message });
}
