import type { FastifyInstance } from 'fastify';
import type { CommandRegistry } from '../core/registry.js';
import type { HttpCommands } from './http-commands.js';
import { OBJECTS, withErrors } from './schemas.js';

/** Service plugins (postgres, redis when installed) and the event log. */
export function serviceRoutes(app: FastifyInstance, commands: HttpCommands, registry: CommandRegistry): void {
  app.get('/api/v1/services', {
    schema: {
      summary: 'Every service of every installed service plugin (postgres:list, redis:list, ... --format json)',
      tags: ['services'],
      response: withErrors({
        200: {
          type: 'array',
          items: {
            type: 'object',
            properties: { kind: { type: 'string' }, services: OBJECTS },
            required: ['kind', 'services'],
          },
        },
      }),
    },
    handler: async (request) => {
      const kinds = serviceKinds(registry);
      return Promise.all(
        kinds.map(async (kind) => ({ kind, services: await commands.json<unknown[]>(request, [`${kind}:list`, '--format', 'json']) })),
      );
    },
  });

  app.get<{ Querystring: { lines?: number } }>('/api/v1/events', {
    schema: {
      summary: 'The last lines of the event log (events -n N)',
      tags: ['events'],
      querystring: { type: 'object', properties: { lines: { type: 'integer', minimum: 1, maximum: 100000, default: 100 } } },
      response: withErrors({ 200: { type: 'array', items: { type: 'string' } } }),
    },
    handler: async (request) => {
      const text = await commands.text(request, ['events', '--num', String(request.query.lines ?? 100)]);
      return text.split('\n').filter(Boolean);
    },
  });
}

/** The service plugins installed: those with a KIND:list and a KIND:link command (postgres, redis, ...). */
export function serviceKinds(registry: CommandRegistry): string[] {
  return registry
    .list()
    .filter((command) => command.name.endsWith(':list') && registry.find(command.name.replace(/:list$/, ':link')))
    .map((command) => command.name.replace(/:list$/, ''));
}
