import type { Writable } from 'node:stream';
import { Cron } from 'croner';
import { UserError } from '../core/errors.js';
import { TailBuffer } from '../core/tail-buffer.js';
import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import type { ReleaseRow } from '../store/releases.js';
import type { CronEntry } from './app-json.js';
import { LABELS } from './naming.js';
import { runOneOff } from './one-off.js';
import { DEFAULT_TTL_SECONDS } from './one-off-ttl.js';
import { storageBinds } from '../storage/app-mounts.js';
import { phaseOverrides } from '../docker-options/app-options.js';
import { processCommand, processEnv } from './process-env.js';
import { revEnvVar } from '../git/git-settings.js';
import { appJsonOf } from './app-json.js';
import type { DockerLocalScheduler } from './scheduler.js';

/** An app.json cron entry with Dokku's id: base64 of `APP===COMMAND===SCHEDULE`. */
export interface CronTask extends CronEntry {
  id: string;
  app: string;
}

/** What the last run of a task did, as `cron:list` shows it. */
export interface CronResult {
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  /** The end of its output (at most OUTPUT_LIMIT bytes). */
  output: string;
  trigger: 'schedule' | 'cron:run';
}

export const CRON_MAINTENANCE = { namespace: 'cron', key: 'maintenance' } as const;
/** Dokku's `maintenance.<cron-id>` property, written by cron:suspend and cron:resume. */
export const suspendedKey = (id: string): string => `${CRON_MAINTENANCE.key}.${id}`;
const RESULTS_NAMESPACE = 'cron-result';
const OUTPUT_LIMIT = 4096;

export function cronTaskId(app: string, entry: Pick<CronEntry, 'command' | 'schedule'>): string {
  return Buffer.from(`${app}===${entry.command}===${entry.schedule}`).toString('base64');
}

export function cronTasks(app: string, release: Pick<ReleaseRow, 'appJson'> | undefined): CronTask[] {
  if (!release) return [];
  return appJsonOf(release).cron.map((entry) => ({ ...entry, app, id: cronTaskId(app, entry) }));
}

/**
 * Runs every app's app.json cron tasks on their schedule, each in a one-off container of the
 * app's current release. A run whose previous run of the same task still goes is skipped
 * (`replace` stops the old one instead). Results are kept for `cron:list`; failures are logged.
 */
export class CronRunner {
  private readonly jobs = new Map<string, { key: string; job: Cron }>();
  private readonly running = new Map<string, { stop(): void }>();

  constructor(
    private readonly api: PartApi,
    private readonly scheduler: DockerLocalScheduler,
  ) {}

  /** Brings the scheduled jobs in line with the apps' current releases and settings. */
  sync(): void {
    const wanted = new Map<string, { app: AppRow; task: CronTask }>();
    for (const app of this.api.store.apps.list()) {
      for (const task of cronTasks(app.name, this.api.store.releases.current(app.id))) wanted.set(`${app.id}:${task.id}`, { app, task });
    }
    for (const [key, { job }] of this.jobs) {
      if (!wanted.has(key)) {
        job.stop();
        this.jobs.delete(key);
      }
    }
    for (const [key, { app, task }] of wanted) {
      if (this.jobs.has(key)) continue;
      try {
        const job = new Cron(task.schedule, { unref: true, catch: true }, () => void this.scheduled(app.id, task));
        this.jobs.set(key, { key, job });
      } catch (error) {
        this.api.logger.warn({ app: app.name, schedule: task.schedule, err: error }, 'cron task has an invalid schedule');
      }
    }
  }

  stop(): void {
    for (const { job } of this.jobs.values()) job.stop();
    this.jobs.clear();
  }

  nextRun(appId: number, id: string): Date | null {
    return this.jobs.get(`${appId}:${id}`)?.job.nextRun() ?? null;
  }

  isRunning(appId: number, id: string): boolean {
    return this.running.has(`${appId}:${id}`);
  }

  lastResult(appId: number, id: string): CronResult | undefined {
    const raw = this.api.store.properties.get(appId, RESULTS_NAMESPACE, id);
    return raw ? (JSON.parse(raw) as CronResult) : undefined;
  }

  /** Why a task does not run on its schedule (cron:list's Maintenance column), or undefined. */
  maintenance(app: AppRow, task: CronTask): 'task' | 'app' | 'global' | 'app.json' | undefined {
    const { properties } = this.api.store;
    if (properties.get(app.id, CRON_MAINTENANCE.namespace, suspendedKey(task.id)) === 'true') return 'task';
    if (task.maintenance) return 'app.json';
    const appValue = properties.get(app.id, CRON_MAINTENANCE.namespace, CRON_MAINTENANCE.key);
    if (appValue !== undefined) return appValue === 'true' ? 'app' : undefined;
    return properties.get(null, CRON_MAINTENANCE.namespace, CRON_MAINTENANCE.key) === 'true' ? 'global' : undefined;
  }

  /** A scheduled run: skipped in maintenance, when the app is gone, or while the last run goes on. */
  private async scheduled(appId: number, task: CronTask): Promise<void> {
    const app = this.api.store.apps.list().find((a) => a.id === appId);
    if (!app || this.maintenance(app, task)) return;
    const key = `${app.id}:${task.id}`;
    const decision = overlapDecision(this.running.has(key), task.concurrencyPolicy);
    if (decision === 'skip') {
      this.api.logger.warn({ app: app.name, cron: task.id, command: task.command }, 'cron task still running: this run is skipped');
      return;
    }
    if (decision === 'replace') this.running.get(key)!.stop();
    await this.run(app, task, 'schedule').catch((error: unknown) =>
      this.api.logger.error({ app: app.name, cron: task.id, err: error }, 'cron task could not run'),
    );
  }

  /** Runs a task now in a one-off container; its output also goes to `output` when given. */
  async run(
    app: AppRow,
    task: CronTask,
    trigger: CronResult['trigger'],
    output?: { stdout: Writable; stderr: Writable },
    ttlSeconds = DEFAULT_TTL_SECONDS,
  ): Promise<CronResult> {
    const release = this.api.store.releases.current(app.id);
    if (!release) throw new UserError(`${app.name} is not deployed yet`);
    const key = `${app.id}:${task.id}`;
    const tail = new TailBuffer(OUTPUT_LIMIT);
    const controller = new AbortController();
    this.running.set(key, { stop: () => controller.abort() });
    const startedAt = new Date().toISOString();
    try {
      const command = release.formation[task.command]?.command ?? task.command;
      const exitCode = await runOneOff(this.scheduler.docker, {
        image: release.image,
        cmd: processCommand(command),
        env: processEnv(release, 'cron', 1, revEnvVar(this.api.store.properties, app.id)),
        labels: {
          [LABELS.instance]: this.api.instance,
          [LABELS.app]: app.name,
          [LABELS.appId]: String(app.id),
          [LABELS.role]: 'one-off',
          'paas.cron-id': task.id,
        },
        network: this.scheduler.network,
        serviceNetworks: this.scheduler.serviceNetworks(app.id),
        // As Dokku's cron does through `run`: the run-phase storage mounts.
        binds: storageBinds(this.api.store.properties, app.id, 'run'),
        docker: phaseOverrides(this.api.store.properties, app.id, 'run'),
        stdout: tail.writer(output?.stdout),
        stderr: tail.writer(output?.stderr),
        signal: controller.signal,
        ttlSeconds,
      });
      const result: CronResult = { startedAt, finishedAt: new Date().toISOString(), exitCode, output: tail.text(), trigger };
      this.api.store.properties.set(app.id, RESULTS_NAMESPACE, task.id, JSON.stringify(result));
      const fields = { app: app.name, cron: task.id, command: task.command, exitCode };
      if (exitCode === 0) this.api.logger.info(fields, 'cron task succeeded');
      else this.api.logger.warn({ ...fields, output: result.output }, 'cron task failed');
      return result;
    } finally {
      this.running.delete(key);
    }
  }
}

/**
 * What a scheduled run does while the previous run of its task still goes on: paas never stacks
 * runs (Dokku's `allow` included); `replace` stops the old run first. Pure.
 */
export function overlapDecision(previousRunning: boolean, policy: CronEntry['concurrencyPolicy']): 'run' | 'skip' | 'replace' {
  if (!previousRunning) return 'run';
  return policy === 'replace' ? 'replace' : 'skip';
}
