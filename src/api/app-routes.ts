import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpCommands } from './http-commands.js';
import { APP_PARAMS, APP_SUMMARY, OBJECT, OBJECTS, OUTPUT, TEXT_STREAM, withErrors } from './schemas.js';

type AppParams = { app: string };
interface BuildJson {
  id: number;
  status: string;
  startedAt: string;
  finishedAt: string | null;
}

/** Apps, releases, config, domains, certs, processes, builds and logs: each route runs the command a CLI user would. */
export function appRoutes(app: FastifyInstance, commands: HttpCommands): void {
  const summary = async (request: FastifyRequest, name: string, createdAt?: string) => {
    const [report, scale, builds, urls] = await Promise.all([
      commands.json<Record<string, string>>(request, ['ps:report', name, '--format', 'json']),
      commands.json<Array<{ process_type: string; quantity: number }>>(request, ['ps:scale', name, '--format', 'json']),
      commands.json<BuildJson[]>(request, ['builds:list', name, '--format', 'json']),
      // Not routed (no domain, not running) is not an error for an overview.
      commands.text(request, ['urls', name]).catch(() => ''),
    ]);
    const last = builds[0];
    return {
      name,
      createdAt,
      status: report.status ?? 'unknown',
      release: report.release || null,
      processes: Object.fromEntries(scale.map((s) => [s.process_type, s.quantity])),
      urls: urls.split('\n').filter(Boolean),
      lastDeploy: last ? { id: last.id, status: last.status, startedAt: last.startedAt, finishedAt: last.finishedAt } : null,
    };
  };

  app.get('/api/v1/apps', {
    schema: {
      summary: 'Every app with its state, current release, process counts, URLs and last deploy',
      tags: ['apps'],
      response: withErrors({ 200: { type: 'array', items: APP_SUMMARY } }),
    },
    handler: async (request) => {
      const apps = await commands.json<Array<{ name: string; createdAt: string }>>(request, ['apps:list', '--format', 'json']);
      return Promise.all(apps.map((a) => summary(request, a.name, a.createdAt)));
    },
  });

  app.post<{ Body: { name: string } }>('/api/v1/apps', {
    schema: {
      summary: 'Create an app (apps:create)',
      tags: ['apps'],
      body: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
      response: withErrors({ 201: OUTPUT }),
    },
    handler: async (request, reply) => reply.code(201).send(await commands.action(request, ['apps:create', request.body.name])),
  });

  app.get<{ Params: AppParams }>('/api/v1/apps/:app', {
    schema: {
      summary: "One app's state, release, processes, URLs and last deploy",
      tags: ['apps'],
      params: APP_PARAMS,
      response: withErrors({ 200: APP_SUMMARY }),
    },
    handler: async (request) => summary(request, request.params.app),
  });

  app.delete<{ Params: AppParams }>('/api/v1/apps/:app', {
    schema: {
      summary: 'Destroy an app and everything it runs (apps:destroy --force)',
      tags: ['apps'],
      params: APP_PARAMS,
      response: withErrors({ 200: OUTPUT }),
    },
    handler: async (request) => commands.action(request, ['apps:destroy', request.params.app, '--force']),
  });

  app.get<{ Params: AppParams }>('/api/v1/apps/:app/releases', {
    schema: {
      summary: 'Releases, newest first (releases --format json)',
      tags: ['releases'],
      params: APP_PARAMS,
      response: withErrors({ 200: OBJECTS }),
    },
    handler: async (request) => commands.json(request, ['releases', request.params.app, '--format', 'json']),
  });

  app.post<{ Params: AppParams; Body: { version?: number } }>('/api/v1/apps/:app/rollback', {
    schema: {
      summary: 'Roll back to a release (default: the previous one), as a new release',
      tags: ['releases'],
      params: APP_PARAMS,
      body: { type: 'object', properties: { version: { type: 'integer', minimum: 1 } }, additionalProperties: false },
      response: withErrors({ 200: OUTPUT }),
    },
    handler: async (request) => {
      const version = request.body?.version;
      return commands.action(request, ['rollback', request.params.app, ...(version === undefined ? [] : [`v${version}`])]);
    },
  });

  app.get<{ Params: AppParams; Querystring: { reveal?: boolean } }>('/api/v1/apps/:app/config', {
    schema: {
      summary: "The environment the app's processes get (global vars included); values masked unless reveal=true",
      tags: ['config'],
      params: APP_PARAMS,
      querystring: { type: 'object', properties: { reveal: { type: 'boolean', default: false } } },
      response: withErrors({ 200: { type: 'object', additionalProperties: { type: 'string' } } }),
    },
    handler: async (request) => {
      const vars = await commands.json<Record<string, string>>(request, ['config:export', request.params.app, '--format', 'json']);
      return request.query.reveal ? vars : Object.fromEntries(Object.keys(vars).map((key) => [key, MASK]));
    },
  });

  app.patch<{ Params: AppParams; Body: { vars: Record<string, string>; restart?: boolean } }>('/api/v1/apps/:app/config', {
    schema: {
      summary: 'Set config vars (config:set); a new release restarts the app unless restart=false',
      tags: ['config'],
      params: APP_PARAMS,
      body: {
        type: 'object',
        properties: {
          vars: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1 },
          restart: { type: 'boolean', default: true },
        },
        required: ['vars'],
        additionalProperties: false,
      },
      response: withErrors({ 200: OUTPUT }),
    },
    handler: async (request) => {
      const assignments = Object.entries(request.body.vars).map(([key, value]) => `${key}=${value}`);
      const noRestart = request.body.restart === false ? ['--no-restart'] : [];
      return commands.action(request, ['config:set', ...noRestart, request.params.app, ...assignments]);
    },
  });

  app.delete<{ Params: AppParams & { key: string }; Querystring: { restart?: boolean } }>('/api/v1/apps/:app/config/:key', {
    schema: {
      summary: 'Unset a config var (config:unset); restarts the app unless restart=false',
      tags: ['config'],
      params: { ...APP_PARAMS, properties: { ...APP_PARAMS.properties, key: { type: 'string' } }, required: ['app', 'key'] },
      querystring: { type: 'object', properties: { restart: { type: 'boolean', default: true } } },
      response: withErrors({ 200: OUTPUT }),
    },
    handler: async (request) => {
      const noRestart = request.query.restart === false ? ['--no-restart'] : [];
      return commands.action(request, ['config:unset', ...noRestart, request.params.app, request.params.key]);
    },
  });

  for (const [topic, summaryText] of [
    ['domains', 'Domains and whether the app is routed (domains:report --format json)'],
    ['certs', 'TLS certificate: domains, expiry, issuer (certs:report --format json)'],
  ] as const) {
    app.get<{ Params: AppParams }>(`/api/v1/apps/:app/${topic}`, {
      schema: { summary: summaryText, tags: [topic], params: APP_PARAMS, response: withErrors({ 200: OBJECT }) },
      handler: async (request) => commands.json(request, [`${topic}:report`, request.params.app, '--format', 'json']),
    });
  }

  app.get<{ Params: AppParams }>('/api/v1/apps/:app/processes', {
    schema: {
      summary: 'Process counts and the state of each container (ps:scale, ps:report)',
      tags: ['processes'],
      params: APP_PARAMS,
      response: withErrors({
        200: {
          type: 'object',
          properties: { scale: { type: 'object', additionalProperties: { type: 'integer' } }, report: OBJECT },
          required: ['scale', 'report'],
        },
      }),
    },
    handler: async (request) => {
      const [scale, report] = await Promise.all([
        commands.json<Array<{ process_type: string; quantity: number }>>(request, ['ps:scale', request.params.app, '--format', 'json']),
        commands.json(request, ['ps:report', request.params.app, '--format', 'json']),
      ]);
      return { scale: Object.fromEntries(scale.map((s) => [s.process_type, s.quantity])), report };
    },
  });

  app.put<{ Params: AppParams; Body: Record<string, number> }>('/api/v1/apps/:app/processes', {
    schema: {
      summary: 'Scale process types (ps:scale TYPE=COUNT...)',
      tags: ['processes'],
      params: APP_PARAMS,
      body: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 }, minProperties: 1 },
      response: withErrors({ 200: OUTPUT }),
    },
    handler: async (request) =>
      commands.action(request, [
        'ps:scale',
        request.params.app,
        ...Object.entries(request.body).map(([type, count]) => `${type}=${count}`),
      ]),
  });

  app.post<{ Params: AppParams }>('/api/v1/apps/:app/restart', {
    schema: {
      summary: 'Restart the app with zero downtime (ps:restart)',
      tags: ['processes'],
      params: APP_PARAMS,
      response: withErrors({ 200: OUTPUT }),
    },
    handler: async (request) => commands.action(request, ['ps:restart', request.params.app]),
  });

  app.get<{ Params: AppParams }>('/api/v1/apps/:app/stats', {
    schema: {
      summary: 'CPU and memory of each running container, one Docker stats sample (ps:stats)',
      tags: ['processes'],
      params: APP_PARAMS,
      response: withErrors({ 200: OBJECTS }),
    },
    handler: async (request) => commands.json(request, ['ps:stats', request.params.app, '--format', 'json']),
  });

  app.get<{ Params: AppParams }>('/api/v1/apps/:app/builds', {
    schema: {
      summary: 'Builds, newest first (builds:list --format json)',
      tags: ['builds'],
      params: APP_PARAMS,
      response: withErrors({ 200: OBJECTS }),
    },
    handler: async (request) => commands.json(request, ['builds:list', request.params.app, '--format', 'json']),
  });

  app.get<{ Params: AppParams & { id: number }; Querystring: { follow?: boolean } }>('/api/v1/apps/:app/builds/:id/log', {
    schema: {
      summary: "A build's log; with follow=true a running build's log streams until it ends (builds:output -t)",
      tags: ['builds'],
      params: { ...APP_PARAMS, properties: { ...APP_PARAMS.properties, id: { type: 'integer', minimum: 1 } }, required: ['app', 'id'] },
      querystring: { type: 'object', properties: { follow: { type: 'boolean', default: false } } },
      response: withErrors({ 200: TEXT_STREAM }),
    },
    handler: async (request, reply) =>
      commands.stream(request, reply, [
        'builds:output',
        request.params.app,
        String(request.params.id),
        ...(request.query.follow ? ['--tail'] : []),
      ]),
  });

  app.get<{ Params: AppParams; Querystring: { lines?: number; follow?: boolean; process?: string } }>('/api/v1/apps/:app/logs', {
    schema: {
      summary: "The app's container logs; follow=true keeps streaming new lines (logs -n N -t -p TYPE)",
      tags: ['logs'],
      params: APP_PARAMS,
      querystring: {
        type: 'object',
        properties: {
          lines: { type: 'integer', minimum: 0, maximum: 10000, default: 100 },
          follow: { type: 'boolean', default: false },
          process: { type: 'string' },
        },
      },
      response: withErrors({ 200: TEXT_STREAM }),
    },
    handler: async (request, reply) => {
      const { lines, follow, process } = request.query;
      const argv = [
        'logs',
        request.params.app,
        '--num',
        String(lines ?? 100),
        ...(follow ? ['--tail'] : []),
        ...(process ? ['--ps', process] : []),
      ];
      return commands.stream(request, reply, argv);
    },
  });
}

export const MASK = '********';
