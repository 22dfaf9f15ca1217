import type { RouteOptions } from 'fastify';
import { PAAS_VERSION } from '../version.js';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document: what the route does and which command it runs. */
    summary?: string;
    tags?: readonly string[];
  }
}

/** What the OpenAPI document needs of one route: what fastify's onRoute hook gives. */
export type RouteRecord = Pick<RouteOptions, 'method' | 'url' | 'schema'>;

interface RouteSchema {
  summary?: string;
  tags?: string[];
  params?: { properties?: Record<string, unknown>; required?: string[] };
  querystring?: { properties?: Record<string, unknown>; required?: string[] };
  body?: unknown;
  response?: Record<string, unknown>;
}

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  400: 'The command refused the request',
  401: 'No valid API token or session',
  403: 'Refused: cross-site request, missing CSRF token, or login not allowed',
  404: 'No such app, build or release',
  500: 'Internal error (details in the daemon log)',
};

/** An OpenAPI 3.0 document made from the routes' own JSON schemas (so it cannot drift from them). */
export function openApiDocument(routes: readonly RouteRecord[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const schema = (route.schema ?? {}) as RouteSchema;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    for (const method of methods) {
      (paths[path] ??= {})[method.toLowerCase()] = operation(method, path, schema);
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'paas API',
      version: PAAS_VERSION,
      description:
        'Every route runs the paas command named in its summary, with the same rules and messages as the CLI. ' +
        'Authenticate with an API token (paas tokens:create NAME) as a Bearer token, or with a dashboard session cookie plus X-CSRF-Token.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'paas_session' },
      },
    },
    security: [{ token: [] }, { session: [] }],
    paths,
  };
}

function operation(method: string, path: string, schema: RouteSchema): Record<string, unknown> {
  const parameters = [...parametersOf('path', schema.params), ...parametersOf('query', schema.querystring)];
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(schema.response ?? { 200: {} })) {
    responses[status] = responseOf(status, response);
  }
  return {
    operationId: operationId(method, path),
    ...(schema.summary && { summary: schema.summary }),
    ...(schema.tags && { tags: schema.tags }),
    ...(parameters.length && { parameters }),
    ...(schema.body !== undefined && {
      requestBody: { required: true, content: { 'application/json': { schema: toOpenApi(schema.body) } } },
    }),
    responses,
  };
}

function parametersOf(where: 'path' | 'query', schema: RouteSchema['params']): unknown[] {
  return Object.entries(schema?.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (schema?.required ?? []).includes(name),
    schema: toOpenApi(property),
  }));
}

function responseOf(status: string, response: unknown): unknown {
  const record = response as { content?: unknown; description?: string };
  const description = record.description ?? STATUS_TEXT[status] ?? 'Reply';
  if (record.content) return { description, content: record.content };
  return { description, content: { 'application/json': { schema: toOpenApi(response) } } };
}

/** `GET /api/v1/apps/{app}/builds/{id}/log` -> getAppsAppBuildsIdLog. */
function operationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\//, '')
    .split(/[/{}._-]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1));
  return method.toLowerCase() + words.join('');
}

/**
 * JSON Schema as fastify takes it -> OpenAPI 3.0's dialect: `type: [T, 'null']` becomes
 * `nullable`, and keys OpenAPI 3.0 has no place for are left out.
 */
export function toOpenApi(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApi);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id' || key === '$schema') continue;
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      out.type = types[0];
      if (types.length !== value.length) out.nullable = true;
      continue;
    }
    out[key] = key === 'properties' || key === 'patternProperties' ? mapValues(value as Record<string, unknown>) : toOpenApi(value);
  }
  return out;
}

function mapValues(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, toOpenApi(value)]));
}
