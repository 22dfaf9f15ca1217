import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../core/command.js';
import type { Store } from '../store/store.js';
import { hashToken, tokenFromAuthorization } from './api-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** How a route is reached without an API token (the dashboard's pages and session). */
    paasAuth?: RouteAuth;
  }
}

/** A route's other ways in: none by default, so every request needs an API token. */
export interface RouteAuth {
  /** Anyone may request it (the dashboard's static files, the login exchange, the OpenAPI document). */
  public?: boolean;
  /** Who a request is without a token (a dashboard session cookie); undefined: nobody. */
  session?(request: FastifyRequest): Actor | undefined;
}

export const UNAUTHORIZED_MESSAGE = 'invalid or missing API token; create one on the server with: paas tokens:create NAME';

/** Every request on the TCP port must carry a known API token; nothing runs before this check. */
export function requireApiToken(app: FastifyInstance, store: Store): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request, reply) => {
    const token = tokenFromAuthorization(request.headers.authorization);
    const name = token ? store.apiTokens.use(hashToken(token)) : undefined;
    if (name) {
      request.actor = { name: `token ${name}`, transport: 'http' };
      return;
    }
    const auth = request.routeOptions.config.paasAuth;
    if (auth?.public) return;
    const actor = auth?.session?.(request);
    if (actor) {
      request.actor = actor;
      return;
    }
    // A browser asks for a password on WWW-Authenticate; the dashboard's own calls must not.
    if (!auth?.session) reply.header('www-authenticate', 'Basic realm="paas"');
    return reply.code(401).send({ error: UNAUTHORIZED_MESSAGE });
  });
}

export const actorOfApiRequest = (request: FastifyRequest): Actor => request.actor ?? { name: 'unknown', transport: 'http' };
