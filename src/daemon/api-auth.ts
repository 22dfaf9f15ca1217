import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../core/command.js';
import type { Store } from '../store/store.js';
import { hashToken, tokenFromAuthorization } from './api-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export const UNAUTHORIZED_MESSAGE =
  'invalid or missing API token; create one on the server with: paas tokens:create NAME';

/** Every request on the TCP port must carry a known API token; nothing runs before this check. */
export function requireApiToken(app: FastifyInstance, store: Store): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request, reply) => {
    const token = tokenFromAuthorization(request.headers.authorization);
    const name = token ? store.apiTokens.use(hashToken(token)) : undefined;
    if (!name) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="paas"')
        .send({ error: UNAUTHORIZED_MESSAGE });
    }
    request.actor = { name: `token ${name}`, transport: 'http' };
  });
}

export const actorOfApiRequest = (request: FastifyRequest): Actor =>
  request.actor ?? { name: 'unknown', transport: 'http' };
