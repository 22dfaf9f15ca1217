import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import { trueOrFalse } from '../../core/properties.js';
import type { AppRow } from '../../store/apps.js';
import { CRON_MAINTENANCE, cronTasks, suspendedKey, type CronRunner, type CronTask } from '../cron.js';
import { TTL_FLAG, ttlSeconds } from '../one-off-ttl.js';
import type { DeployServices } from '../services.js';

/** cron:list, cron:run, cron:set and cron:report: app.json cron tasks, Dokku's scheduled tasks. */
export function registerCronCommands(services: DeployServices, runner: CronRunner): void {
  const { api } = services;
  const { commands, store } = api;
  const tasksOf = (app: AppRow) => cronTasks(app.name, store.releases.current(app.id));
  /** Dokku's Maintenance column: `false`, or `true (task)` for a suspended task, `true (app)`... */
  const maintenanceOf = (app: AppRow, task: CronTask) => {
    const reason = runner.maintenance(app, task);
    return reason ? `true (${reason})` : 'false';
  };
  const taskOf = (app: AppRow, id: string) => {
    const task = tasksOf(app).find((t) => t.id === id);
    if (!task) throw new UserError(`${app.name} has no cron task "${printable(id)}"; see: paas cron:list ${app.name}`);
    return task;
  };
  const lastRun = (app: AppRow, task: CronTask) => {
    if (runner.isRunning(app.id, task.id)) return 'running';
    const result = runner.lastResult(app.id, task.id);
    return result ? `exit ${result.exitCode} at ${result.finishedAt}` : 'never';
  };

  registerTopic(
    api,
    {
      topic: 'cron',
      namespace: CRON_MAINTENANCE.namespace,
      properties: [
        {
          key: CRON_MAINTENANCE.key,
          scope: 'app+global',
          summary: "true: the app's cron tasks do not run on their schedule (cron:run still runs one)",
          default: 'false',
          validate: trueOrFalse('maintenance'),
        },
      ],
      fields: (app) => ({
        'task-count': String(tasksOf(app).length),
        ...Object.fromEntries(tasksOf(app).map((task) => [`maintenance-${task.id}`, String(runner.maintenance(app, task) === 'task')])),
      }),
    },
    { setExamples: ['paas cron:set blog maintenance true', 'paas cron:set blog maintenance'] },
  );

  commands.register({
    name: 'cron:list',
    summary: 'List an app\'s cron tasks (app.json "cron"), with their last run',
    usage: 'APP [--format json]',
    examples: ['paas cron:list blog', 'paas cron:list blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      const tasks = tasksOf(app);
      if (flags.format === 'json') {
        return writeJson(
          stdout,
          tasks.map((task) => {
            const result = runner.lastResult(app.id, task.id);
            return {
              id: task.id,
              app: app.name,
              command: task.command,
              schedule: task.schedule,
              maintenance: maintenanceOf(app, task) !== 'false',
              maintenance_reason: runner.maintenance(app, task) ?? null,
              concurrency_policy: task.concurrencyPolicy,
              next_run: runner.nextRun(app.id, task.id)?.toISOString() ?? null,
              running: runner.isRunning(app.id, task.id),
              last_run: result
                ? { started_at: result.startedAt, finished_at: result.finishedAt, exit_code: result.exitCode, output: result.output }
                : null,
            };
          }),
        );
      }
      stdout.write(
        renderTable(
          ['ID', 'Schedule', 'Command', 'Maintenance', 'Last run'],
          tasks.map((t) => [t.id, t.schedule, t.command, maintenanceOf(app, t), lastRun(app, t)]),
        ),
      );
    },
  });

  commands.register({
    name: 'cron:run',
    summary: "Run one of an app's cron tasks now (ID from cron:list); output and exit code are passed through",
    usage: 'APP ID [--detach] [--ttl-seconds N]',
    description: 'The run is stopped after --ttl-seconds (default 86400, a day, as scheduled runs are).',
    examples: ['paas cron:run blog ID', 'paas cron:run blog ID --detach --ttl-seconds 600'],
    flags: { detach: { type: 'boolean', description: 'run it in the background and return at once' }, ...TTL_FLAG },
    arity: [2, 2],
    async handler({ args: [name, id], flags, stdout, stderr }) {
      const app = requireApp(store, name);
      const task = taskOf(app, id);
      const ttl = ttlSeconds(flags['ttl-seconds']);
      if (runner.isRunning(app.id, task.id)) throw new UserError(`the cron task ${task.id} of ${app.name} is running already`);
      if (flags.detach === true) {
        void runner
          .run(app, task, 'cron:run', undefined, ttl)
          .catch((error: unknown) => api.logger.error({ err: error, app: app.name }, 'cron task could not run'));
        writeLine(stdout, `-----> Running cron task ${task.id} of ${app.name} in the background (see: paas cron:list ${app.name})`);
        return 0;
      }
      return (await runner.run(app, task, 'cron:run', { stdout, stderr }, ttl)).exitCode;
    },
  });

  for (const [verb, suspend] of [
    ['suspend', true],
    ['resume', false],
  ] as const) {
    commands.register({
      name: `cron:${verb}`,
      summary: suspend
        ? 'Suspend one cron task: it does not run on its schedule until cron:resume'
        : 'Resume a cron task suspended with cron:suspend',
      usage: 'APP ID',
      description: suspend
        ? 'cron:list shows "true (task)" in its Maintenance column for it; cron:run still runs it.'
        : 'It runs on its schedule again (unless the app or every app is in maintenance: cron:set).',
      examples: [`paas cron:${verb} blog ID`],
      arity: [2, 2],
      handler({ args: [name, id], stdout }) {
        const app = requireApp(store, name);
        const task = taskOf(app, id);
        store.properties.set(app.id, CRON_MAINTENANCE.namespace, suspendedKey(task.id), suspend ? 'true' : undefined);
        writeLine(
          stdout,
          `-----> ${suspend ? 'Suspended' : 'Resumed'} cron task ${task.id} of ${app.name} (${task.schedule} ${task.command})`,
        );
      },
    });
  }
}
