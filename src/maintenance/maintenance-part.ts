import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import { humanSize } from '../core/sizes.js';
import type { Part, PartApi } from '../core/part.js';
import { BUILD_RETENTION, DEFAULT_BUILD_RETENTION, buildRetention, cleanup, describeCleanup, type CleanupReport } from './cleanup.js';
import { appDiskUse, cachedDiskUsage } from './disk-usage.js';

/** The daemon cleans up on its own this often (and once a few minutes after it starts). */
const CLEANUP_EVERY_MS = 6 * 60 * 60 * 1000;
const FIRST_CLEANUP_AFTER_MS = 10 * 60 * 1000;

/** Keeping the server's disk in check: `cleanup` (also run periodically), build retention, disk use in `report`. */
export function maintenancePart(): Part {
  let api: PartApi;
  let running: Promise<CleanupReport> | undefined;
  const timers: NodeJS.Timeout[] = [];

  /** One cleanup at a time: a second caller waits for the one running. */
  const cleanupOnce = (only?: Parameters<typeof cleanup>[2]) => {
    running ??= cleanup(api, api.docker, only).finally(() => (running = undefined));
    return running;
  };

  const periodic = () => {
    void cleanupOnce().then(
      (report) => api.logger.info({ ...report }, `periodic cleanup: ${describeCleanup(report, humanSize)}`),
      (error: unknown) => api.logger.warn({ err: error }, 'periodic cleanup failed'),
    );
  };

  return {
    name: 'maintenance',
    after: ['deploy'],
    description: 'cleanup of what builds and runs leave behind, build retention, disk use in report',
    register(partApi) {
      api = partApi;
      const { commands, reports, store } = partApi;

      commands.register({
        name: 'cleanup',
        summary: 'Remove stopped one-off containers, dangling images, and build logs and sources past the retention',
        usage: '[APP] [--format json]',
        description: [
          'Frees disk space this paas no longer needs, and says how much: stopped containers of runs, cron tasks and',
          'builds (older than 10 minutes), dangling images it made, the records and logs of builds past',
          '`builds:set retention` (20 per app by default), and sources of builds that no longer run.',
          'Release images are kept (releases:set retention decides those). The daemon also runs it every 6 hours.',
        ].join('\n'),
        examples: ['paas cleanup', 'paas cleanup blog', 'paas cleanup --format json'],
        flags: FORMAT_FLAG,
        arity: [0, 1],
        async handler({ args: [name], flags, stdout }) {
          const app = name === undefined ? undefined : requireApp(store, name);
          if (flags.format !== 'json') writeLine(stdout, `-----> Cleaning up${app ? ` ${app.name}` : ''}`);
          const report = await cleanupOnce(app);
          if (flags.format === 'json') return writeJson(stdout, report);
          writeLine(stdout, `-----> ${describeCleanup(report, humanSize)}`);
        },
      });

      registerTopic(
        partApi,
        {
          topic: 'builds',
          namespace: BUILD_RETENTION.namespace,
          properties: [
            {
              key: BUILD_RETENTION.key,
              scope: 'app+global',
              summary: 'how many finished builds (records and logs) to keep; cleanup removes older ones',
              default: String(DEFAULT_BUILD_RETENTION),
              validate(value) {
                if (!/^[1-9]\d{0,3}$/.test(value)) throw new UserError('retention must be a number from 1 to 9999');
                return value;
              },
            },
          ],
          fields: (app) => ({ 'computed-retention': String(buildRetention(partApi, app.id)) }),
        },
        { setExamples: ['paas builds:set blog retention 50', 'paas builds:set --global retention 10', 'paas builds:set blog retention'] },
      );

      const diskUsage = cachedDiskUsage(partApi.docker);
      reports.add('disk usage', async (name) => {
        const app = store.apps.find(name);
        if (!app) return [];
        const use = await appDiskUse(partApi, await diskUsage(), app);
        const total = use.images.unique + use.buildCache + use.containers + use.repository + use.buildLogs;
        return [
          [
            'Disk images',
            `${humanSize(use.images.bytes)} in ${use.images.count} image${use.images.count === 1 ? '' : 's'} (${humanSize(use.images.unique)} not shared with other images)`,
          ],
          ['Disk build cache', humanSize(use.buildCache)],
          ['Disk containers', humanSize(use.containers)],
          ['Disk repository', humanSize(use.repository)],
          ['Disk build logs', humanSize(use.buildLogs)],
          ['Disk total', `${humanSize(total)} (counting shared image layers once, elsewhere)`],
        ];
      });
    },

    async start() {
      const first = setTimeout(periodic, FIRST_CLEANUP_AFTER_MS);
      const every = setInterval(periodic, CLEANUP_EVERY_MS);
      first.unref();
      every.unref();
      timers.push(first, every);
    },

    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
