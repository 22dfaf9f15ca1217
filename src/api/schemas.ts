/** JSON schemas shared by the /api/v1 routes; the OpenAPI document is made from them. */

export const ERROR = {
  type: 'object',
  description: "The command's one-line error, as the CLI prints it after `error: `",
  properties: { error: { type: 'string' } },
  required: ['error'],
} as const;

/** Pass-through objects: the command's own --format json output. */
export const OBJECT = { type: 'object', additionalProperties: true } as const;
export const OBJECTS = { type: 'array', items: OBJECT } as const;

export const OUTPUT = {
  type: 'object',
  description: 'What the command printed (the CLI user reads the same lines)',
  properties: { output: { type: 'string' } },
  required: ['output'],
} as const;

export const TEXT_STREAM = {
  description: 'Plain text, streamed as the command prints it',
  content: { 'text/plain': { schema: { type: 'string' } } },
} as const;

export const APP_PARAMS = {
  type: 'object',
  properties: { app: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
  required: ['app'],
} as const;

export const APP_SUMMARY = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    createdAt: { type: 'string' },
    status: { type: 'string', description: 'not deployed, running or stopped' },
    release: { type: ['string', 'null'], description: 'current release, e.g. v4' },
    processes: { type: 'object', additionalProperties: { type: 'integer' }, description: 'count per process type' },
    urls: { type: 'array', items: { type: 'string' } },
    lastDeploy: {
      type: ['object', 'null'],
      properties: {
        id: { type: 'integer' },
        status: { type: 'string' },
        startedAt: { type: 'string' },
        finishedAt: { type: ['string', 'null'] },
      },
    },
  },
  required: ['name', 'status', 'processes', 'urls'],
} as const;

/** Standard error replies of a route, besides its success reply. */
export function withErrors(ok: Record<number, unknown>): Record<number, unknown> {
  return { ...ok, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 500: ERROR };
}
