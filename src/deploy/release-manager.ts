import type Docker from 'dockerode';
import { UserError } from '../core/errors.js';
import type { PartApi } from '../daemon/part.js';
import type { AppRow } from '../store/apps.js';
import type { ReleaseRow } from '../store/releases.js';
import { EMPTY_APP_JSON, parseAppJson, type AppJson } from './app-json.js';
import type { DeployLog } from './deploy-log.js';
import { DEFAULT_WAIT, STAY_UP_MS, checkProcess, defaultWaitMs } from './health-checks.js';
import { LABELS, imageRepository } from './naming.js';
import { runOneOff } from './one-off.js';
import { processCommand, processEnv } from './process-env.js';
import { ProcessCheckFailed, type DockerLocalScheduler, type ProcessContainer } from './scheduler.js';
import { appUrls } from './urls.js';
import { processLimits } from './resource-limits.js';
import type { Converger, Upstream } from './converger.js';

/** What a new release is made of; the version and image tag are given when it is published. */
export type ReleaseDraft = Omit<ReleaseRow, 'id' | 'version' | 'createdAt'> & {
  /** Procfile `release:` command: runs once, before the new containers start. */
  releaseCommand?: string | null;
  /** Whether app.json's deploy scripts run (new code); config changes and scaling skip them. */
  runScripts: boolean;
};

export const RETENTION = { namespace: 'releases', key: 'retention' } as const;
export const DEFAULT_RETENTION = 10;
const RETIRE_DELAY_MS = 2_000;
const RETIRE_GRACE_SECONDS = 10;

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
  ) {}

  async publish(app: AppRow, draft: ReleaseDraft, log: DeployLog): Promise<ReleaseRow> {
    const { store } = this.api;
    const version = store.releases.nextVersion(app.id);
    const repository = imageRepository(this.api.instance, app.name);
    await this.docker.getImage(draft.image).tag({ repo: repository, tag: `v${version}` });
    const candidate: ReleaseRow = {
      ...draft,
      id: 0,
      version,
      image: `${repository}:v${version}`,
      createdAt: new Date().toISOString(),
    };
    const appJson = appJsonOf(candidate);
    const firstDeploy = store.releases.current(app.id) === undefined;
    log.step(`Releasing ${app.name} v${version}: ${draft.description}`);
    try {
      if (draft.runScripts) {
        if (draft.releaseCommand) await this.script(app, candidate, 'release phase (Procfile release)', draft.releaseCommand, log);
        if (appJson.predeploy) await this.script(app, candidate, 'predeploy (app.json scripts.dokku.predeploy)', appJson.predeploy, log);
      }
      await this.rollOut(app, candidate, log);
    } catch (error) {
      await this.docker.getImage(candidate.image).remove({ noprune: true }).catch(() => undefined);
      throw error;
    }
    const release = store.releases.add(candidate);
    await this.pruneImages(app);
    await this.api.events.emit('post-deploy', { app: app.name, release: version, output: log.stream });
    if (draft.runScripts) {
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
   * Starts the release's containers beside the running ones (all at once) and checks each.
   * Traffic moves to them as soon as they are ready, with the old web containers kept as
   * nginx backups while the new ones must stay up (STAY_UP_MS from their start); if one dies
   * then, traffic moves back. Only then are the old ones retired. Any failure removes the new
   * containers only, and the previous release keeps serving.
   */
  async rollOut(app: AppRow, release: ReleaseRow, log: DeployLog, onlyType?: string): Promise<ProcessContainer[]> {
    const all = (await this.scheduler.list(app.id)).filter((p) => !this.scheduler.retiring.has(p.id));
    const old = onlyType ? all.filter((p) => p.type === onlyType) : all;
    const untouched = onlyType ? all.filter((p) => p.type !== onlyType && p.running) : [];
    const previous = webUpstreams([...untouched, ...old.filter((p) => p.running)], release.port);
    const checks = appJsonOf(release).healthchecks;
    const waitMs = defaultWaitMs(this.api.store.properties.effective(app.id, DEFAULT_WAIT.namespace, DEFAULT_WAIT.key));
    const wanted = Object.entries(release.formation)
      .filter(([type]) => !onlyType || type === onlyType)
      .flatMap(([type, { count }]) => Array.from({ length: count }, (_, i) => ({ type, index: i + 1 })));
    let started: ProcessContainer[] = [];
    let switched = false;
    try {
      for (const { type, index } of wanted) log.step(`Starting ${type}.${index}`);
      started = await settleAll(
        wanted.map(({ type, index }) =>
          this.scheduler.start(app, release, type, index, processLimits(this.api.store.properties, app.id, type)),
        ),
        (ok) => this.scheduler.removeNow(ok),
      );
      await Promise.all(started.map((p) => checkProcess(this.scheduler, p, release.port, checks[p.type] ?? [], log, waitMs)));
      const fresh = webUpstreams([...untouched, ...started], release.port);
      // nginx falls back to the old containers by itself if a new one dies before it proved itself.
      const backups = fresh.length ? previous.filter((u) => !fresh.some((f) => f.host === u.host)).map((u) => ({ ...u, backup: true })) : [];
      await this.converger.switchTo(app, [...fresh, ...backups], (line) => log.detail(line));
      switched = true;
      await this.scheduler.assertStaysUp(started, STAY_UP_MS);
      if (backups.length) await this.converger.switchTo(app, fresh);
    } catch (error) {
      if (error instanceof ProcessCheckFailed && error.logs.trim()) {
        log.step('Last lines of its log:');
        for (const line of error.logs.trimEnd().split('\n')) log.detail(line);
      }
      if (switched) {
        await this.converger.switchTo(app, previous).catch((e: unknown) => this.api.logger.error({ err: e, app: app.name }, 'moving traffic back failed'));
        log.step('Traffic moved back to the previous release');
      }
      await this.scheduler.removeNow(started);
      if (old.length) log.step(`The previous release keeps running${switched ? '' : ', untouched'}`);
      throw error;
    }
    if (old.length) {
      log.step(`Retiring ${old.length} old container${old.length === 1 ? '' : 's'}`);
      // Requests nginx already sent to the old containers finish before they get SIGTERM.
      for (const process of old) this.scheduler.retiring.add(process.id);
      setTimeout(() => void this.scheduler.retire(old, RETIRE_GRACE_SECONDS), RETIRE_DELAY_MS);
    }
    return started;
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
      image: release.image,
      cmd: processCommand(command),
      env: processEnv(release, 'run', 1),
      labels: { [LABELS.instance]: this.api.instance, [LABELS.appId]: String(app.id), [LABELS.role]: 'one-off' },
      network: this.scheduler.network,
      serviceNetworks: this.scheduler.serviceNetworks(app.id),
      stdout: lines,
      stderr: lines,
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
      if (!kept.has(release.image)) await this.docker.getImage(release.image).remove().catch(() => undefined);
    }
  }
}

export function appJsonOf(release: Pick<ReleaseRow, 'appJson'>): AppJson {
  return release.appJson ? parseAppJson(release.appJson) : EMPTY_APP_JSON;
}

export function webUpstreams(processes: readonly ProcessContainer[], port: number): Upstream[] {
  return processes.filter((p) => p.type === 'web' && p.ip).map((p) => ({ host: p.ip!, port }));
}

/** Every promise's value; if one rejects, the values of the others are cleaned up and it throws. */
async function settleAll<T>(promises: ReadonlyArray<Promise<T>>, cleanUp: (ok: T[]) => Promise<void>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return ok;
  await cleanUp(ok);
  throw failed.reason;
}
