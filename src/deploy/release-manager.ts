// Longer than 300 lines: a roll-out is one sequence (start beside, check, switch, stay up, retire, undo on failure) whose steps share what has started, so an undo sees all of it.
import type { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { UserError } from '../core/errors.js';
import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import type { ReleaseRow } from '../store/releases.js';
import { appJsonOf } from './app-json.js';
import type { DeployLog } from './deploy-log.js';
import { DEFAULT_WAIT, STAY_UP_MS, checkProcess, defaultWaitMs } from './health-checks.js';
import { LABELS, imageRepository } from './naming.js';
import { runOneOff } from './one-off.js';
import { processCommand, processEnv } from './process-env.js';
import { revEnvVar } from '../git/git-settings.js';
import { ProcessCheckFailed, type DockerLocalScheduler, type ProcessContainer } from './scheduler.js';
import { schedulerOf } from './scheduler-topics.js';
import type { SwarmScheduler } from './swarm-scheduler.js';
import { appUrls } from './urls.js';
import type { Converger } from './converger.js';
import { webUpstreams } from './web-upstreams.js';
import { checkList, inCheckList, processOptions, stopTimeout, waitToRetire } from './deploy-settings.js';
import { publishedPorts } from '../proxy/app-state.js';
import { batches } from './formation.js';
import { withCheckSettings } from './app-checks.js';
import { runAndCommit } from './predeploy.js';
import { storageBinds } from '../storage/app-mounts.js';
import { phaseOverrides } from '../docker-options/app-options.js';

/** What a new release is made of; the version and image tag are given when it is published. */
export type ReleaseDraft = Omit<ReleaseRow, 'id' | 'version' | 'createdAt'> & {
  /** Whether the deploy tasks run (new code); config changes and rollbacks skip them. */
  runScripts: boolean;
  /** The app's own stored vars to write in the same transaction that records the release (rollback). */
  storedConfig?: Record<string, string>;
};

export const RETENTION = { namespace: 'releases', key: 'retention' } as const;
export const DEFAULT_RETENTION = 10;

/** How a process type is replaced, from `checks:disable` and `checks:skip`. */
interface TypePlan {
  /**
   * The old containers stop before the new ones start: checks disabled (Dokku), or web
   * containers that publish host ports (proxy:disable), which old and new cannot share.
   */
  stopFirst: boolean;
  /** Why: shown in the deploy output. */
  stopFirstReason?: string;
  /** Checks skipped or disabled: new containers get traffic without being checked. */
  check: boolean;
  maxParallel: number | undefined;
}

/**
 * Heroku's release model: every change to what runs becomes a numbered release, and the app is
 * rolled over to it without downtime. Nothing before the traffic switch touches what serves.
 */
export class ReleaseManager {
  constructor(
    private readonly api: PartApi,
    private readonly docker: Docker,
    private readonly scheduler: DockerLocalScheduler,
    private readonly converger: Converger,
    private readonly swarm: SwarmScheduler,
  ) {}

  async publish(app: AppRow, draft: ReleaseDraft, log: DeployLog): Promise<ReleaseRow> {
    const { store } = this.api;
    const { runScripts, storedConfig, ...fields } = draft;
    const version = store.releases.nextVersion(app.id);
    const repository = imageRepository(this.api.instance, app.name);
    await this.docker.getImage(draft.image).tag({ repo: repository, tag: `v${version}` });
    const candidate: ReleaseRow = {
      ...fields,
      id: 0,
      version,
      image: `${repository}:v${version}`,
      createdAt: new Date().toISOString(),
    };
    const appJson = appJsonOf(candidate);
    const firstDeploy = store.releases.current(app.id) === undefined;
    log.step(`Releasing ${app.name} v${version}: ${draft.description}`);
    try {
      if (runScripts) {
        // Dokku's order: predeploy (committed into the image), then the Procfile release command.
        if (appJson.predeploy) await this.predeploy(app, candidate, appJson.predeploy, log);
        if (candidate.releaseCommand) {
          await this.script(app, candidate, 'release phase (Procfile release)', candidate.releaseCommand, log);
        }
      }
      await this.rollOut(app, candidate, log);
    } catch (error) {
      await this.docker
        .getImage(candidate.image)
        .remove({ noprune: true })
        .catch(() => undefined);
      throw error;
    }
    const release = store.transaction(() => {
      if (storedConfig) store.configVars.replace(app.id, storedConfig);
      return store.releases.add(candidate);
    });
    await this.pruneImages(app);
    await this.api.events.emit('post-deploy', { app: app.name, release: version, output: log.stream });
    if (runScripts) {
      if (appJson.postdeploy) {
        await this.script(app, release, 'postdeploy (app.json scripts.dokku.postdeploy)', appJson.postdeploy, log, true);
      }
      if (firstDeploy && appJson.firstDeploy) {
        await this.script(app, release, 'first-deploy script (app.json scripts.postdeploy)', appJson.firstDeploy, log, true);
      }
    }
    const urls = await appUrls(this.api.urls, this.scheduler, app, release);
    if (urls.length) {
      log.banner('Application deployed:');
      for (const url of urls) log.detail(url);
    }
    return release;
  }

  /**
   * Starts the release's containers beside the running ones (all at once, or `max_parallel` of
   * a type at a time) and checks each. Traffic moves to them as soon as they are ready, with the
   * old web containers kept as nginx backups while the new ones must stay up (STAY_UP_MS from
   * their start); if one dies then, traffic moves back. The old ones retire after
   * `wait-to-retire`. A type with checks disabled is stopped first instead (Dokku); one with
   * checks skipped gets traffic unchecked. Any failure removes the new containers only.
   */
  async rollOut(app: AppRow, release: ReleaseRow, log: DeployLog, onlyType?: string): Promise<ProcessContainer[]> {
    if (schedulerOf(this.api.store.properties, app) === 'swarm') return this.rollOutOnSwarm(app, release, log, onlyType);
    const started = await this.rollOutHere(app, release, log, onlyType);
    // An app moved back from the swarm: its services go once its containers serve here.
    if ((await this.swarm.remove(app.id)) > 0) log.step('Removed its swarm services (the app runs on docker-local now)');
    return started;
  }

  /**
   * The swarm scheduler: Swarm replaces the tasks (start-first, one at a time) while nginx follows
   * the answering web tasks; rolling out the current release again is a restart. Containers the
   * app had here (it ran on docker-local before) retire once the tasks serve.
   */
  private async rollOutOnSwarm(app: AppRow, release: ReleaseRow, log: DeployLog, onlyType?: string): Promise<ProcessContainer[]> {
    const restart = this.api.store.releases.current(app.id)?.version === release.version;
    const tasks = await this.swarm.rollOut(app, release, log, this.converger, { onlyType, restart });
    const local = (await this.scheduler.list(app.id)).filter((p) => !this.scheduler.retiring.has(p.id));
    if (local.length) {
      log.step(`Stopping its ${local.length} docker-local container${local.length === 1 ? '' : 's'} (the app runs on the swarm now)`);
      await this.scheduler.retire(local, stopTimeout(this.api.store.properties, app.id));
    }
    return tasks;
  }

  private async rollOutHere(app: AppRow, release: ReleaseRow, log: DeployLog, onlyType?: string): Promise<ProcessContainer[]> {
    const all = (await this.scheduler.list(app.id)).filter((p) => !this.scheduler.retiring.has(p.id));
    const inScope = (type: string) => onlyType === undefined || type === onlyType;
    const plans = new Map(Object.keys(release.formation).map((type) => [type, this.plan(app, release, type, all)]));
    const stopFirst = all.filter((p) => inScope(p.type) && plans.get(p.type)?.stopFirst);
    const old = all.filter((p) => inScope(p.type) && !stopFirst.includes(p));
    const untouched = all.filter((p) => !inScope(p.type) && p.running);
    const previous = webUpstreams([...untouched, ...old.filter((p) => p.running)], release.port);
    if (stopFirst.length) {
      for (const type of new Set(stopFirst.map((p) => p.type))) {
        log.step(
          `Stopping the old ${type} containers first (${plans.get(type)?.stopFirstReason}: ${type} is down until the new ones start)`,
        );
      }
      await this.scheduler.retire(stopFirst, stopTimeout(this.api.store.properties, app.id));
    }
    const started: ProcessContainer[] = [];
    let switched = false;
    try {
      const types = Object.entries(release.formation).filter(([type, { count }]) => inScope(type) && count > 0);
      await settleAll(
        types.map(([type, { count }]) =>
          this.startType(app, release, type, range(1, count), plans.get(type)!, log, (p) => started.push(p)),
        ),
      );
      const fresh = webUpstreams([...untouched, ...started], release.port);
      // nginx falls back to the old containers by itself if a new one dies before it proved itself.
      const backups = fresh.length
        ? previous.filter((u) => !fresh.some((f) => f.host === u.host)).map((u) => ({ ...u, backup: true }))
        : [];
      await this.converger.switchTo(app, [...fresh, ...backups], (line) => log.detail(line));
      switched = true;
      await this.scheduler.assertStaysUp(
        started.filter((p) => plans.get(p.type)?.check),
        STAY_UP_MS,
      );
      // The new containers proved themselves: the old ones leave nginx while the command returns.
      if (backups.length) {
        void this.converger
          .switchTo(app, fresh)
          .catch((e: unknown) => this.api.logger.error({ err: e, app: app.name }, 'removing the old containers from nginx failed'));
      }
    } catch (error) {
      this.logCheckFailure(error, log);
      if (switched) {
        await this.converger
          .switchTo(app, previous)
          .catch((e: unknown) => this.api.logger.error({ err: e, app: app.name }, 'moving traffic back failed'));
        log.step('Traffic moved back to the previous release');
      }
      await this.scheduler.removeNow(started);
      if (old.length) log.step(`The previous release keeps running${switched ? '' : ', untouched'}`);
      throw error;
    }
    this.retireLater(app, old, log);
    return started;
  }

  /**
   * `ps:scale` on a running app: starts or stops containers of the changed types only; every
   * other container keeps running unchecked. New containers are checked before they get traffic.
   */
  async scale(app: AppRow, release: ReleaseRow, types: readonly string[], log: DeployLog): Promise<void> {
    if (schedulerOf(this.api.store.properties, app) === 'swarm') {
      // Only the replica counts change: Swarm starts or stops tasks, the others keep running.
      await this.swarm.rollOut(app, release, log, this.converger);
      return;
    }
    const all = (await this.scheduler.list(app.id)).filter((p) => !this.scheduler.retiring.has(p.id) && p.release === release.version);
    const extra: ProcessContainer[] = [];
    const started: ProcessContainer[] = [];
    try {
      await settleAll(
        types.map((type) => {
          const count = release.formation[type]?.count ?? 0;
          const mine = all.filter((p) => p.type === type);
          extra.push(...mine.filter((p) => p.index > count));
          const missing = range(1, count).filter((index) => !mine.some((p) => p.index === index));
          return this.startType(app, release, type, missing, this.plan(app, release, type), log, (p) => started.push(p));
        }),
      );
      await this.scheduler.assertStaysUp(
        started.filter((p) => this.plan(app, release, p.type).check),
        STAY_UP_MS,
      );
      const kept = all.filter((p) => !extra.includes(p) && p.running);
      await this.converger.switchTo(app, webUpstreams([...kept, ...started], release.port), (line) => log.detail(line));
    } catch (error) {
      this.logCheckFailure(error, log);
      await this.scheduler.removeNow(started);
      throw error;
    }
    if (extra.length) {
      log.step(`Stopping ${extra.map((p) => `${p.type}.${p.index}`).join(', ')}`);
      await this.scheduler.retire(extra, stopTimeout(this.api.store.properties, app.id));
    }
  }

  /** Starts the given indexes of one type, `max_parallel` at a time, each batch checked before the next. */
  private async startType(
    app: AppRow,
    release: ReleaseRow,
    type: string,
    indexes: readonly number[],
    plan: TypePlan,
    log: DeployLog,
    onStarted: (process: ProcessContainer) => void,
  ): Promise<void> {
    const checks = withCheckSettings(appJsonOf(release).healthchecks[type] ?? [], this.api.store.properties, app.id);
    const options = processOptions(this.api.store.properties, app.id, type);
    const waitMs = defaultWaitMs(this.api.store.properties.effective(app.id, DEFAULT_WAIT.namespace, DEFAULT_WAIT.key));
    for (const batch of batches(indexes, plan.maxParallel)) {
      const processes = await settleAll(
        batch.map(async (index) => {
          log.step(`Starting ${type}.${index}`);
          const process = await this.scheduler.start(app, release, type, index, options);
          onStarted(process);
          return process;
        }),
      );
      if (!plan.check) {
        log.step(
          `Not checking ${processes.map((p) => `${p.type}.${p.index}`).join(', ')} (checks ${plan.stopFirstReason === 'checks disabled' ? 'disabled' : 'skipped'})`,
        );
        continue;
      }
      await Promise.all(processes.map((p) => checkProcess(this.scheduler, p, release.port, checks, log, waitMs)));
    }
  }

  private plan(app: AppRow, release: ReleaseRow, type: string, running: readonly ProcessContainer[] = []): TypePlan {
    const { properties } = this.api.store;
    const disabled = inCheckList(checkList(properties, app.id, 'checksDisabled'), type);
    const skipped = inCheckList(checkList(properties, app.id, 'checksSkipped'), type);
    const publishes =
      type === 'web' && (publishedPorts(properties, app.id).length > 0 || running.some((p) => p.type === 'web' && p.published));
    return {
      stopFirst: disabled || publishes,
      stopFirstReason: disabled ? 'checks disabled' : publishes ? 'web publishes host ports' : undefined,
      check: !disabled && !skipped,
      maxParallel: appJsonOf(release).formation[type]?.maxParallel,
    };
  }

  private logCheckFailure(error: unknown, log: DeployLog): void {
    if (error instanceof ProcessCheckFailed && error.logs.trim()) {
      log.step('Last lines of its log:');
      for (const line of error.logs.trimEnd().split('\n')) log.detail(line);
    }
  }

  /** Old containers keep running `wait-to-retire` seconds after the switch, then stop (stop-timeout). */
  private retireLater(app: AppRow, old: readonly ProcessContainer[], log: DeployLog): void {
    if (old.length === 0) return;
    const { properties } = this.api.store;
    const wait = waitToRetire(properties, app.id);
    log.step(`Retiring ${old.length} old container${old.length === 1 ? '' : 's'} in ${wait} s`);
    for (const process of old) this.scheduler.retiring.add(process.id);
    setTimeout(() => void this.scheduler.retire(old, stopTimeout(properties, app.id)), wait * 1000).unref();
  }

  /** `scripts.dokku.predeploy`: its changes to the filesystem are committed into the release's image. */
  private async predeploy(app: AppRow, release: ReleaseRow, command: string, log: DeployLog): Promise<void> {
    const what = 'predeploy (app.json scripts.dokku.predeploy)';
    log.step(`Running ${what}: ${command}`);
    const lines = log.lineWriter();
    const code = await runAndCommit(this.docker, {
      ...this.taskContainer(app, release, lines),
      cmd: processCommand(command)!,
      labels: { [LABELS.instance]: this.api.instance },
    });
    lines.end();
    if (code !== 0) throw new UserError(`${what} failed with exit code ${code}; nothing was changed`);
  }

  /**
   * What every deploy task's container gets (predeploy, release, postdeploy): the release's image
   * and environment, the app's networks, its deploy-phase mounts and docker options; its output goes to `output`.
   */
  private taskContainer(app: AppRow, release: ReleaseRow, output: Writable) {
    return {
      image: release.image,
      env: processEnv(release, 'run', 1, revEnvVar(this.api.store.properties, app.id)),
      network: this.scheduler.network,
      serviceNetworks: this.scheduler.serviceNetworks(app.id),
      binds: storageBinds(this.api.store.properties, app.id, 'deploy'),
      docker: phaseOverrides(this.api.store.properties, app.id, 'deploy'),
      stdout: output,
      stderr: output,
    };
  }

  /** A one-off container of the release: its output goes to the deploy log. */
  private async script(
    app: AppRow,
    release: ReleaseRow,
    what: string,
    command: string,
    log: DeployLog,
    releaseIsLive = false,
  ): Promise<void> {
    log.step(`Running ${what}: ${command}`);
    const lines = log.lineWriter();
    const code = await runOneOff(this.docker, {
      ...this.taskContainer(app, release, lines),
      cmd: processCommand(command),
      labels: { [LABELS.instance]: this.api.instance, [LABELS.appId]: String(app.id), [LABELS.role]: 'one-off' },
    });
    lines.end();
    if (code !== 0) {
      const state = releaseIsLive ? `release v${release.version} is live` : 'nothing was changed';
      throw new UserError(`${what} failed with exit code ${code}; ${state}`);
    }
  }

  /** Keeps the images of the newest N releases; older release images are untagged. */
  private async pruneImages(app: AppRow): Promise<void> {
    const { store } = this.api;
    const setting = Number(store.properties.effective(app.id, RETENTION.namespace, RETENTION.key) ?? DEFAULT_RETENTION);
    const keep = Number.isInteger(setting) && setting > 0 ? setting : DEFAULT_RETENTION;
    const releases = store.releases.forApp(app.id);
    const kept = new Set(releases.slice(0, keep).map((r) => r.image));
    for (const release of releases.slice(keep)) {
      if (!kept.has(release.image))
        await this.docker
          .getImage(release.image)
          .remove()
          .catch(() => undefined);
    }
  }
}

/**
 * Waits for every promise; throws the first failure only once all have settled, so a caller's
 * cleanup sees every container that did start.
 */
async function settleAll<T>(promises: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
