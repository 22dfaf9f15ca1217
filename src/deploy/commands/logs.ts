import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireAppOrAll } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import { readProperty, type TopicSpec } from '../../core/properties.js';
import type { PartApi } from '../../core/part.js';
import type { PropertiesTable } from '../../store/properties.js';

/** logs:set / logs:report: Docker's log retention of an app's containers, and vector's sink. */
export const LOGS_TOPIC: TopicSpec = {
  topic: 'logs',
  namespace: 'logs',
  properties: [
    {
      key: 'max-size',
      scope: 'app+global',
      summary: 'the most a container log file grows to before Docker rotates it (3 files kept): 10m, 512k, 1g, or unlimited',
      default: '10m',
      validate(value) {
        const normalized = value.toLowerCase();
        if (!/^(\d{1,6}[kmg]|unlimited)$/.test(normalized)) {
          throw new UserError(`invalid max-size "${value}": use a number with k, m or g (20m), or unlimited`);
        }
        return normalized;
      },
    },
    {
      key: 'vector-sink',
      scope: 'app+global',
      summary: 'kept and reported for Dokku compatibility; paas ships no logs to vector (it has no vector container)',
    },
  ],
};

/** Docker's json-file max-size for the app's containers; undefined for unlimited. */
export function logMaxSize(properties: PropertiesTable, appId: number): string | undefined {
  const value = readProperty(properties, LOGS_TOPIC, 'max-size', appId) ?? '10m';
  return value === 'unlimited' ? undefined : value;
}

/** logs:set, logs:report and logs:failed. */
export function registerLogsCommands(api: PartApi): void {
  const { commands, store, paths } = api;
  registerTopic(api, LOGS_TOPIC, {
    setDescription: 'max-size applies to containers started from then on (the next deploy or ps:restart).',
    setExamples: ['paas logs:set blog max-size 20m', 'paas logs:set --global max-size unlimited', 'paas logs:set blog max-size'],
    reportSummary: "Show an app's log settings",
  });

  commands.register({
    name: 'logs:failed',
    summary: 'Print the log of the last failed deploy of an app (or of every app with --all)',
    usage: 'APP|--all',
    description: "The log holds the build output and, for a failed start, the container's last log lines.",
    examples: ['paas logs:failed blog', 'paas logs:failed --all'],
    flags: { all: { type: 'boolean', description: 'every app with a failed deploy' } },
    arity: [0, 1],
    handler({ args: [name], flags, stdout }) {
      if (flags.all === true && name !== undefined) throw new UserError('logs:failed: give an APP or --all, not both');
      if (flags.all !== true && name === undefined) throw new UserError('logs:failed: give an APP, or --all');
      const apps = requireAppOrAll(store, name);
      let found = false;
      for (const app of apps) {
        const failed = store.builds.forApp(app.id).find((build) => build.status === 'failed');
        if (!failed) continue;
        found = true;
        const file = join(paths.buildLogs, `${failed.id}.log`);
        writeLine(stdout, `=====> ${app.name} failed deploy (build ${failed.id}, ${failed.startedAt})`);
        if (existsSync(file)) stdout.write(readFileSync(file));
      }
      if (!found) writeLine(stdout, name === undefined ? '-----> No app has a failed deploy' : `-----> ${name} has no failed deploy`);
    },
  });
}
