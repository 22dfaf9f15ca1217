import { connect } from 'node:net';
import type Docker from 'dockerode';
import { UserError } from '../core/errors.js';
import type { Logger } from '../daemon/logger.js';
import { dockerMessage, statusOf } from '../docker/errors.js';
import type { ReleaseRow } from '../store/releases.js';
import { demuxLogBuffer } from '../docker/logs.js';
import { LABELS, aliasesOf, containerName, networkName, processAliases } from './naming.js';
import { connectNetwork, disconnectNetwork, ensureBridgeNetwork } from './networks.js';
import { processContainerSpec, type AppRef, type ProcessOptions } from './container-spec.js';

export interface ProcessContainer {
  id: string;
  name: string;
  appId: number;
  type: string;
  index: number;
  release: number;
  running: boolean;
  /** Address on the paas network, for checks and the proxy. */
  ip: string | undefined;
  /** When this daemon started it (Date.now()); unknown for containers it found running. */
  startedAt?: number;
  /** A swarm task's published port on its node (nginx goes to ip:port); docker-local: the release's port. */
  port?: number;
  /** The swarm node a task runs on. */
  node?: string;
  /** A swarm task's id (its logs come through the manager). */
  task?: string;
  /** It publishes ports on the host (proxy:disable). */
  published?: boolean;
}

export type { AppRef, ProcessOptions } from './container-spec.js';

/** Docker-local scheduling: one container per process, on this daemon's own bridge network. */
export class DockerLocalScheduler {
  constructor(
    readonly docker: Docker,
    readonly instance: string,
    private readonly logger: Logger,
    /** The service networks an app's containers join besides the paas network (its links). */
    readonly serviceNetworks: (appId: number) => string[] = () => [],
    /** The host address published ports bind to (PAAS_LISTEN). */
    private readonly publishAddress = '0.0.0.0',
  ) {}

  get network(): string {
    return networkName(this.instance);
  }

  private networkReady = false;

  /**
   * The paas network: nginx reaches apps on it; apps cannot reach each other on it. Made once;
   * later calls cost nothing (a failed start checks again).
   */
  async ensureNetwork(): Promise<void> {
    if (this.networkReady) return;
    await ensureBridgeNetwork(this.docker, { name: this.network, instance: this.instance, main: true, icc: false });
    this.networkReady = true;
  }

  /**
   * Puts a container on exactly the service networks its app is linked to: joins the missing
   * ones, leaves those of services it is no longer linked to. A network that is gone is skipped.
   */
  async syncNetworks(containerId: string, appId: number, current: readonly string[], aliases?: string[]): Promise<void> {
    const wanted = this.serviceNetworks(appId);
    const own = (name: string) => name.startsWith(`${this.network}-`);
    for (const name of current.filter((n) => own(n) && !wanted.includes(n))) {
      await disconnectNetwork(this.docker, name, containerId);
    }
    for (const name of wanted.filter((n) => !current.includes(n))) {
      await connectNetwork(this.docker, name, containerId, aliases).catch((error: unknown) => {
        this.logger.warn({ err: error, network: name, container: containerId }, 'could not join a service network');
      });
    }
  }

  /** Every container of an app (processes and one-offs) joins or leaves service networks now. */
  async syncAppNetworks(appId: number): Promise<void> {
    const labels = [`${LABELS.instance}=${this.instance}`, `${LABELS.appId}=${appId}`];
    const containers = await this.docker.listContainers({ all: true, filters: { label: labels } });
    for (const c of containers) {
      await this.syncNetworks(c.Id, appId, Object.keys(c.NetworkSettings?.Networks ?? {}), aliasesOf(c.Labels));
    }
  }

  /** syncAppNetworks for these apps, from one listing of the containers (daemon start, 100 apps). */
  async syncNetworksOfApps(appIds: ReadonlySet<number>): Promise<void> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.instance}=${this.instance}`, LABELS.appId] },
    });
    for (const c of containers) {
      const appId = Number(c.Labels[LABELS.appId]);
      if (appIds.has(appId)) await this.syncNetworks(c.Id, appId, Object.keys(c.NetworkSettings?.Networks ?? {}), aliasesOf(c.Labels));
    }
  }

  /** This daemon's process containers, of one app or all, running or not. */
  async list(appId?: number): Promise<ProcessContainer[]> {
    const labels = [`${LABELS.instance}=${this.instance}`, `${LABELS.role}=process`];
    if (appId !== undefined) labels.push(`${LABELS.appId}=${appId}`);
    const containers = await this.docker.listContainers({ all: true, filters: { label: labels } });
    return containers
      .map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        appId: Number(c.Labels[LABELS.appId]),
        type: c.Labels[LABELS.process] ?? 'web',
        index: Number(c.Labels[LABELS.index] ?? 1),
        release: Number(c.Labels[LABELS.release] ?? 0),
        running: c.State === 'running',
        ip: c.NetworkSettings?.Networks?.[this.network]?.IPAddress || undefined,
        published: (c.Ports ?? []).some((p) => p.PublicPort !== undefined && p.PublicPort > 0),
      }))
      .sort((a, b) => a.type.localeCompare(b.type) || a.index - b.index);
  }

  async start(app: AppRef, release: ReleaseRow, type: string, index: number, options: ProcessOptions = {}): Promise<ProcessContainer> {
    await this.ensureNetwork();
    const name = containerName(this.instance, app.name, type, index);
    const container = await this.docker.createContainer(
      processContainerSpec({
        name,
        instance: this.instance,
        app,
        release,
        type,
        index,
        network: this.network,
        publishAddress: this.publishAddress,
        options,
      }),
    );
    const hostNetwork = options.docker?.hostNetwork === true;
    try {
      if (!hostNetwork) await this.syncNetworks(container.id, app.id, [this.network], processAliases(app.name, type));
      await container.start();
    } catch (error) {
      this.networkReady = false;
      await container.remove({ force: true }).catch(() => undefined);
      throw new UserError(`could not start ${type}.${index}: ${dockerMessage(error)}`);
    }
    const startedAt = Date.now();
    const info = await container.inspect();
    return {
      id: container.id,
      name,
      appId: app.id,
      type,
      index,
      release: release.version,
      running: info.State.Running,
      // On the host's network (docker-options --network host) the process listens on the host itself.
      ip: hostNetwork ? '127.0.0.1' : info.NetworkSettings.Networks?.[this.network]?.IPAddress || undefined,
      startedAt,
      published: type === 'web' && (options.publish ?? []).length > 0,
    };
  }

  /**
   * Resolves as soon as the process accepts TCP on its port (tried every POLL_MS);
   * throws (with the container's last log lines) if it exits or the time runs out.
   */
  async waitUntilListening(process: ProcessContainer, port: number, timeoutMs: number): Promise<void> {
    const label = `${process.type}.${process.index}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.assertRunning(process, label);
      if (process.ip && (await acceptsTcp(process.ip, port))) return;
      if (Date.now() > deadline) {
        throw new ProcessCheckFailed(
          `${label} did not accept connections on port ${port} within ${Math.round(timeoutMs / 1000)} s; ` +
            'make the app listen on $PORT on all interfaces (0.0.0.0)',
          await this.lastLogLines(process.id),
        );
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Resolves once every process has been up `ms` since it started; throws as soon as one exits
   * or was restarted by Docker (an app that crashes after it opened its port).
   */
  async assertStaysUp(processes: readonly ProcessContainer[], ms: number): Promise<void> {
    const pending = [...processes];
    while (pending.length > 0) {
      const now = Date.now();
      for (let i = pending.length - 1; i >= 0; i--) {
        if (now >= (pending[i].startedAt ?? 0) + ms) pending.splice(i, 1);
      }
      await Promise.all(pending.map((process) => this.assertRunning(process)));
      if (pending.length > 0) await sleep(STAY_UP_POLL_MS);
    }
  }

  /** Throws when the process is not running, or Docker restarted it since it started. */
  async assertRunning(process: ProcessContainer, label = `${process.type}.${process.index}`): Promise<void> {
    const info = await this.docker.getContainer(process.id).inspect();
    const { State: state } = info;
    if (!state.Running || state.Restarting || (process.startedAt !== undefined && info.RestartCount > 0)) {
      const how = state.Running ? 'while starting (Docker restarted it)' : `with code ${state.ExitCode} while starting`;
      throw new ProcessCheckFailed(`${label} exited ${how}`, await this.lastLogLines(process.id));
    }
  }

  async lastLogLines(id: string, lines = 20): Promise<string> {
    try {
      const buffer = await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false });
      return demuxLogBuffer(buffer);
    } catch {
      return '';
    }
  }

  /** Containers on their way out after a switch: reconciling leaves them to finish. */
  readonly retiring = new Set<string>();

  /** SIGTERM, then SIGKILL after the grace period, then removal. */
  async retire(processes: readonly ProcessContainer[], graceSeconds: number): Promise<void> {
    for (const process of processes) this.retiring.add(process.id);
    await Promise.all(
      processes.map(async (process) => {
        const container = this.docker.getContainer(process.id);
        try {
          await container.stop({ t: graceSeconds });
        } catch (error) {
          if (statusOf(error) !== 304 && statusOf(error) !== 404) this.logger.warn({ err: error }, 'stop failed');
        }
        await container.remove({ force: true }).catch((error: unknown) => {
          if (statusOf(error) !== 404) this.logger.warn({ err: error }, 'remove failed');
        });
        this.retiring.delete(process.id);
      }),
    );
  }

  /** Starts a stopped container again and reads its new address. */
  async restart(process: ProcessContainer): Promise<ProcessContainer> {
    const container = this.docker.getContainer(process.id);
    const before = await container.inspect();
    await this.syncNetworks(
      process.id,
      process.appId,
      Object.keys(before.NetworkSettings.Networks ?? {}),
      aliasesOf(before.Config.Labels ?? {}),
    );
    await container.start().catch((error: unknown) => {
      if (statusOf(error) !== 304) throw error;
    });
    const info = await container.inspect();
    return { ...process, running: info.State.Running, ip: info.NetworkSettings.Networks?.[this.network]?.IPAddress || undefined };
  }

  async removeNow(processes: readonly ProcessContainer[]): Promise<void> {
    await Promise.all(
      processes.map((process) =>
        this.docker
          .getContainer(process.id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }
}

export class ProcessCheckFailed extends UserError {
  constructor(
    message: string,
    readonly logs: string,
  ) {
    super(message);
  }
}

export function acceptsTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How often a starting web process is tried for a connection. */
const POLL_MS = 20;
/** How often new processes are looked at while they must stay up. */
const STAY_UP_POLL_MS = 50;

export { dockerMessage, statusOf } from '../docker/errors.js';
