import type { PartApi } from '../core/part.js';
import type { AppLocks } from './app-lock.js';
import type { HealthCheck } from './app-json.js';
import { runFailureHook } from './check-failure.js';
import { attemptCheck, withCheckSettings } from './app-checks.js';
import { appJsonOf } from './app-json.js';
import type { DockerLocalScheduler, ProcessContainer } from './scheduler.js';

/** How often the monitor looks; a check's own `wait` can only make it look less often. */
const TICK_MS = 1_000;

/**
 * app.json `liveness` checks, while the app runs: each running container of the checked type is
 * probed every `wait` seconds; after `attempts` failures in a row it is restarted (the proxy
 * follows its new address through the usual reconcile). Docker alone never restarts a container
 * that is up but no longer answering.
 */
export class LivenessMonitor {
  private readonly failures = new Map<string, number>();
  private readonly lastProbe = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly api: PartApi,
    private readonly scheduler: DockerLocalScheduler,
    private readonly locks: AppLocks,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const app of this.api.store.apps.list()) {
        const release = this.api.store.releases.current(app.id);
        if (!release || this.locks.isLocked(app.id)) continue;
        const checks = appJsonOf(release).healthchecks;
        const settled = (type: string) => withCheckSettings(checks[type] ?? [], this.api.store.properties, app.id);
        const processes = (await this.scheduler.list(app.id)).filter((p) => p.running && p.release === release.version);
        for (const process of processes) {
          for (const check of settled(process.type).filter((c) => c.type === 'liveness')) {
            await this.probe(app.name, process, release.port, check);
          }
        }
      }
    } catch (error) {
      this.api.logger.warn({ err: error }, 'liveness checks failed to run');
    } finally {
      this.busy = false;
    }
  }

  private async probe(app: string, process: ProcessContainer, port: number, check: HealthCheck): Promise<void> {
    const key = `${process.id}:${check.name}`;
    const now = Date.now();
    if (now - (this.lastProbe.get(key) ?? 0) < Math.max(check.wait, 1) * 1000) return;
    this.lastProbe.set(key, now);
    const problem = await attemptCheck(this.scheduler.docker, process, port, check);
    if (problem === '') {
      this.failures.delete(key);
      return;
    }
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    if (failures < Math.max(check.attempts, 1)) return;
    this.failures.delete(key);
    this.api.logger.warn(
      { app, process: `${process.type}.${process.index}`, check: check.name, problem },
      'liveness check failed: restarting',
    );
    await runFailureHook(this.scheduler, process, check, problem, (line) =>
      this.api.logger.info({ app, process: `${process.type}.${process.index}`, check: check.name }, line),
    );
    await this.api.events.emit('process-restart', {
      app,
      process: `${process.type}.${process.index}`,
      reason: `${check.name}: ${problem}`,
    });
    await this.scheduler.docker.getContainer(process.id).restart({ t: 10 });
  }
}
