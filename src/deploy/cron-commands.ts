import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { AppRow } from '../store/apps.js';
import { CRON_MAINTENANCE, cronTasks, type CronRunner, type CronTask } from './cron.js';
import type { DeployServices } from './services.js';

/** cron:list, cron:run, cron:set and cron:report: app.json cron tasks, Dokku's scheduled tasks. */
export function registerCronCommands(services: DeployServices, runner: CronRunner): void {
  const { api } = services;
  const { commands, store } = api;
  const tasksOf = (app: AppRow) => cronTasks(app.name, store.releases.current(app.id));
  const lastRun = (app: AppRow, task: CronTask) => {
    if (runner.isRunning(app.id, task.id)) return 'running';
    const result = runner.lastResult(app.id, task.id);
    return result ? `exit ${result.exitCode} at ${result.finishedAt}` : 'never';
  };

  registerTopic(api, {
    topic: 'cron',
    namespace: CRON_MAINTENANCE.namespace,
    properties: [
      {
        key: CRON_MAINTENANCE.key,
        scope: 'app+global',
        summary: 'true: the app\'s cron tasks do not run on their schedule (cron:run still runs one)',
        default: 'false',
        validate(value) {
          if (value !== 'true' && value !== 'false') throw new UserError('maintenance must be true or false');
          return value;
        },
      },
    ],
    fields: (app) => ({ 'task-count': String(tasksOf(app).length) }),
  }, { setExamples: ['paas cron:set blog maintenance true', 'paas cron:set blog maintenance'] });

  commands.register({
    name: 'cron:list',
    summary: "List an app's cron tasks (app.json \"cron\"), with their last run",
    usage: 'APP [--format json]',
    examples: ['paas cron:list blog', 'paas cron:list blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name!);
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
              maintenance: task.maintenance,
              concurrency_policy: task.concurrencyPolicy,
              next_run: runner.nextRun(app.id, task.id)?.toISOString() ?? null,
              running: runner.isRunning(app.id, task.id),
              last_run: result ? { started_at: result.startedAt, finished_at: result.finishedAt, exit_code: result.exitCode, output: result.output } : null,
            };
          }),
        );
      }
      stdout.write(renderTable(['ID', 'Schedule', 'Command', 'Last run'], tasks.map((t) => [t.id, t.schedule, t.command, lastRun(app, t)])));
    },
  });

  commands.register({
    name: 'cron:run',
    summary: 'Run one of an app\'s cron tasks now (ID from cron:list); output and exit code are passed through',
    usage: 'APP ID [--detach]',
    examples: ['paas cron:run blog ID', 'paas cron:run blog ID --detach'],
    flags: { detach: { type: 'boolean', description: 'run it in the background and return at once' } },
    arity: [2, 2],
    async handler({ args: [name, id], flags, stdout, stderr }) {
      const app = requireApp(store, name!);
      const task = tasksOf(app).find((t) => t.id === id);
      if (!task) throw new UserError(`${app.name} has no cron task "${printable(id!)}"; see: paas cron:list ${app.name}`);
      if (runner.isRunning(app.id, task.id)) throw new UserError(`the cron task ${task.id} of ${app.name} is running already`);
      if (flags.detach === true) {
        void runner.run(app, task, 'cron:run').catch((error: unknown) => api.logger.error({ err: error, app: app.name }, 'cron task could not run'));
        writeLine(stdout, `-----> Running cron task ${task.id} of ${app.name} in the background (see: paas cron:list ${app.name})`);
        return 0;
      }
      return (await runner.run(app, task, 'cron:run', { stdout, stderr })).exitCode;
    },
  });
}
