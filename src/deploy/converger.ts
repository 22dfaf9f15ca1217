import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import type { ReleaseRow } from '../store/releases.js';
import type { AppLocks } from './app-lock.js';
import type { Upstream } from '../core/events.js';
import { webUpstreams } from './web-upstreams.js';
import { SETTING, processOptions } from './deploy-settings.js';
import type { DockerLocalScheduler, ProcessContainer } from './scheduler.js';
import { schedulerOf } from './scheduler-topics.js';
import type { SwarmScheduler } from './swarm-scheduler.js';
import { DeployLog } from './deploy-log.js';
import { Writable } from 'node:stream';

export const STOPPED = { namespace: 'ps', key: 'stopped' } as const;
/** Dokku's `ps:set APP restore false`: the app is not started again after a reboot. */
export const RESTORE = SETTING.restore;

export interface ConvergeResult {
  started: number;
  restarted: number;
  removed: number;
}

/**
 * Brings Docker in line with each app's current release: adopts containers that run it, starts
 * stopped or missing ones, removes strays. Runs at daemon start, when containers die or start,
 * and every so often, so a daemon or dockerd restart loses and duplicates nothing.
 */
export class Converger {
  private readonly lastUpstreams = new Map<number, string>();
  /**
   * True from the daemon's start, and from the moment Docker went away, until restoreAll has
   * decided which apps with `restore` false stay down. Meanwhile the automatic paths (timer,
   * container events) leave those apps alone: one of them restarting the app's containers
   * first would make restoreAll find them running and keep the app up.
   */
  private restorePending = true;

  constructor(
    private readonly api: PartApi,
    private readonly scheduler: DockerLocalScheduler,
    private readonly locks: AppLocks,
    private readonly swarm: SwarmScheduler,
  ) {}

  isStopped(app: AppRow): boolean {
    return this.api.store.properties.get(app.id, STOPPED.namespace, STOPPED.key) === 'true';
  }

  /** False when `ps:set APP restore false` keeps the app down after a reboot. */
  restores(app: AppRow): boolean {
    return this.api.store.properties.get(app.id, RESTORE.namespace, RESTORE.key) !== 'false';
  }

  /**
   * After the daemon or Docker (re)started: an app with `restore` false none of whose current
   * containers runs (the server rebooted, Docker restarted) is marked stopped, as `ps:stop`
   * would, instead of being started; `ps:start` brings it back. Then every app converges.
   */
  async restoreAll(): Promise<void> {
    this.restorePending = true;
    for (const app of this.api.store.apps.list()) {
      const release = this.api.store.releases.current(app.id);
      if (!release || this.restores(app) || this.isStopped(app)) continue;
      // Under the app's lock: a ps:start or deploy running now decides for itself.
      await this.locks.ifFree(app.id, 'restoring', async () => {
        if (this.restores(app) || this.isStopped(app)) return;
        const containers = await this.scheduler.list(app.id);
        if (containers.some((c) => c.running && c.release === release.version)) return;
        this.api.store.properties.set(app.id, STOPPED.namespace, STOPPED.key, 'true');
        this.api.logger.info({ app: app.name }, 'not restored: ps restore is false; start it with ps:start');
      });
    }
    this.restorePending = false;
    await this.convergeAll();
  }

  /** Docker's event stream ended (dockerd stopping or restarting): restoreAll decides again once it is back. */
  dockerWentAway(): void {
    this.restorePending = true;
  }

  /** Every app, each skipped while a deploy holds its lock; after Docker went away, restoreAll first. */
  async convergeAll(): Promise<void> {
    if (this.restorePending) return this.restoreAll();
    for (const app of this.api.store.apps.list()) await this.convergeIfFree(app);
  }

  async convergeIfFree(app: AppRow): Promise<void> {
    if (this.restorePending && !this.restores(app)) return;
    try {
      await this.locks.ifFree(app.id, 'reconciling', () => this.converge(app));
    } catch (error) {
      this.api.logger.error({ err: error, app: app.name }, 'reconcile failed');
    }
  }

  /** The caller holds the app's lock. */
  async converge(app: AppRow): Promise<ConvergeResult> {
    const result: ConvergeResult = { started: 0, restarted: 0, removed: 0 };
    const release = this.api.store.releases.current(app.id);
    if (!release || this.isStopped(app)) return result;
    if (schedulerOf(this.api.store.properties, app) === 'swarm') return this.convergeSwarm(app, release, result);
    const containers = (await this.scheduler.list(app.id)).filter((c) => !this.scheduler.retiring.has(c.id));
    const { keep, strays } = partition(containers, release);
    const running: ProcessContainer[] = [];
    for (const [type, { count }] of Object.entries(release.formation)) {
      for (let index = 1; index <= count; index++) {
        const existing = keep.get(`${type}.${index}`);
        if (existing?.running) {
          running.push(existing);
        } else if (existing) {
          running.push(await this.scheduler.restart(existing));
          result.restarted++;
        } else {
          running.push(await this.scheduler.start(app, release, type, index, processOptions(this.api.store.properties, app.id, type)));
          result.started++;
        }
      }
    }
    await this.scheduler.removeNow(strays);
    result.removed = strays.length;
    if (result.started || result.restarted || result.removed) {
      this.api.logger.info({ app: app.name, release: release.version, ...result }, 'reconciled');
    }
    await this.switchIfChanged(app, webUpstreams(running, release.port));
    return result;
  }

  /**
   * A swarm app: Swarm keeps its tasks running; services that are gone (a manager that lost
   * them, ps:start) are made again from the release, and nginx follows the answering web tasks.
   */
  private async convergeSwarm(app: AppRow, release: ReleaseRow, result: ConvergeResult): Promise<ConvergeResult> {
    if ((await this.swarm.services(app.id)).length === 0) {
      const log = new DeployLog(new Writable({ write: (_chunk, _encoding, done) => done() }));
      result.started = (await this.swarm.rollOut(app, release, log, this)).length;
      this.api.logger.info({ app: app.name, release: release.version, ...result }, 'swarm services made again');
      return result;
    }
    await this.switchIfChanged(app, await this.swarm.upstreams(app.id));
    return result;
  }

  /** Tells the proxy when the set of web addresses differs from what it was last told. */
  async switchIfChanged(app: AppRow, upstreams: Upstream[]): Promise<void> {
    if (this.lastUpstreams.get(app.id) === upstreamKey(upstreams)) return;
    await this.switchTo(app, upstreams);
  }

  /** Moves the app's traffic to these addresses; throws if the proxy cannot. */
  async switchTo(app: AppRow, upstreams: Upstream[], log?: (line: string) => void): Promise<void> {
    this.lastUpstreams.delete(app.id);
    await this.api.events.emit('proxy-switch', { app: app.name, upstreams, log });
    this.lastUpstreams.set(app.id, upstreamKey(upstreams));
  }
}

function upstreamKey(upstreams: readonly Upstream[]): string {
  return JSON.stringify(upstreams.map((u) => `${u.host}:${u.port}${u.backup ? ' backup' : ''}`).sort());
}

/** Containers of the current release, one per type.index; everything else is a stray. */
export function partition(containers: readonly ProcessContainer[], release: ReleaseRow) {
  const keep = new Map<string, ProcessContainer>();
  const strays: ProcessContainer[] = [];
  for (const container of containers) {
    const key = `${container.type}.${container.index}`;
    const wanted = container.release === release.version && container.index <= (release.formation[container.type]?.count ?? 0);
    const current = keep.get(key);
    if (wanted && (!current || (!current.running && container.running))) {
      if (current) strays.push(current);
      keep.set(key, container);
    } else {
      strays.push(container);
    }
  }
  return { keep, strays };
}
