import type Docker from 'dockerode';
import { UserError } from '../core/errors.js';
import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import type { ReleaseRow } from '../store/releases.js';
import type { DeployLog } from './deploy-log.js';
import { processOptions } from './deploy-settings.js';
import { ensureServiceOverlays } from './swarm-networks.js';
import { gatingOf, taskFailures, typeHealth, type SwarmHealth } from './swarm-health.js';
import { dockerMessage, statusOf } from '../docker/errors.js';
import { pushImage, remoteImage } from './image-registry.js';
import { LABELS } from './naming.js';
import type { LocalRegistry } from './local-registry.js';
import { installRegistryCa } from './registry-trust.js';
import { acceptsTcp, type ProcessContainer } from './scheduler.js';
import { placementOf } from './scheduler-topics.js';
import { serviceName, serviceSpec } from './swarm-spec.js';
import type { ServiceInfo, TaskInfo } from './swarm-objects.js';
import type { Upstream } from '../core/events.js';
import { storageBinds } from '../storage/app-mounts.js';
import { phaseOptions } from '../docker-options/app-options.js';
import { swarmExtras } from './swarm-options.js';

/** How a rollout tells the proxy where the app's web tasks answer. */
export interface TrafficSwitch {
  switchIfChanged(app: AppRow, upstreams: Upstream[]): Promise<void>;
}

/** How long a rollout may take before paas gives up waiting (Swarm keeps going). */
const ROLLOUT_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 250;

/**
 * Swarm scheduling: one Swarm service per process type of an app, on the cluster of the engine
 * paas talks to (the manager). Swarm places and replaces the tasks; paas pushes each release's
 * image to the registry, updates the services, and keeps nginx pointed at the running web tasks
 * (each published in host mode on its node).
 */
export class SwarmScheduler {
  constructor(
    private readonly docker: Docker,
    private readonly api: PartApi,
    readonly localRegistry: LocalRegistry,
  ) {}

  /** Starts the registry paas runs (when the remote image lives there) and makes this engine trust its CA. */
  async ensureLocalRegistry(address: string): Promise<void> {
    await this.localRegistry.ensureRunning(address);
    await installRegistryCa(this.docker, address, await this.localRegistry.ca());
  }

  /** Throws a UserError unless this engine is a swarm manager. */
  async ensureManager(): Promise<void> {
    try {
      await this.docker.swarmInspect();
    } catch (error) {
      if (statusOf(error) === 503 || statusOf(error) === 406) {
        throw new UserError(
          "this server's Docker Engine is not a swarm manager yet; add a node first: paas nodes:add DOCKER_HOST --address IP",
        );
      }
      throw error;
    }
  }

  /** The app's services (every process type that was ever deployed on the swarm). */
  async services(appId?: number): Promise<ServiceInfo[]> {
    const label = [`${LABELS.instance}=${this.api.instance}`, `${LABELS.role}=service`];
    if (appId !== undefined) label.push(`${LABELS.appId}=${appId}`);
    try {
      return (await this.docker.listServices({ filters: { label } })) as unknown as ServiceInfo[];
    } catch (error) {
      // Not a swarm (yet): no services.
      if (statusOf(error) === 503 || statusOf(error) === 406) return [];
      throw error;
    }
  }

  /** The app's tasks that should run (desired state running), as process rows. */
  async list(appId: number): Promise<ProcessContainer[]> {
    const services = await this.services(appId);
    if (services.length === 0) return [];
    const [tasks, nodes] = await Promise.all([
      this.docker.listTasks({ filters: { service: services.map((s) => s.Spec.Name), 'desired-state': ['running'] } }) as Promise<
        TaskInfo[]
      >,
      this.nodeAddresses(),
    ]);
    return tasks
      .map((task) => {
        const service = services.find((s) => s.ID === task.ServiceID);
        const type = service?.Spec.Labels?.[LABELS.process] ?? 'web';
        const port = task.Status?.PortStatus?.Ports?.find((p) => p.PublishedPort)?.PublishedPort;
        return {
          id: task.Status?.ContainerStatus?.ContainerID ?? task.ID,
          name: `${service?.Spec.Name ?? task.ServiceID}.${task.Slot ?? 0}`,
          appId,
          type,
          index: task.Slot ?? 0,
          release: Number(task.Spec?.ContainerSpec?.Labels?.[LABELS.release] ?? 0),
          running: task.Status?.State === 'running',
          ip: task.NodeID ? nodes.get(task.NodeID) : undefined,
          port,
          node: task.NodeID,
          task: task.ID,
        };
      })
      .sort((a, b) => a.type.localeCompare(b.type) || a.index - b.index || a.release - b.release);
  }

  /** Node id → the address it joined with. */
  private async nodeAddresses(): Promise<Map<string, string>> {
    const nodes = (await this.docker.listNodes()) as Array<{ ID: string; Status?: { Addr?: string } }>;
    return new Map(nodes.filter((n) => n.Status?.Addr).map((n) => [n.ID, n.Status!.Addr!]));
  }

  /** Running web tasks that accept connections on their published port: what nginx may send requests to. */
  async upstreams(appId: number, tasks?: readonly ProcessContainer[]): Promise<Upstream[]> {
    const web = (tasks ?? (await this.list(appId))).filter((t) => t.type === 'web' && t.running && t.ip && t.port);
    const answering = await Promise.all(web.map(async (t) => ((await acceptsTcp(t.ip!, t.port!)) ? t : undefined)));
    return answering.filter((t) => t !== undefined).map((t) => ({ host: t.ip!, port: t.port! }));
  }

  /**
   * Puts the release on the swarm: pushes its image, creates or updates one service per process
   * type (`onlyType`: that type only), and follows Swarm's start-first rolling update, moving
   * nginx to each web task as soon as it answers. Throws when Swarm rolls an update back.
   */
  async rollOut(
    app: AppRow,
    release: ReleaseRow,
    log: DeployLog,
    traffic: TrafficSwitch,
    options: { onlyType?: string; restart?: boolean } = {},
  ): Promise<ProcessContainer[]> {
    await this.ensureManager();
    const { properties } = this.api.store;
    const constraints = placementOf(properties, app);
    // Refused before anything changes when an option or mount cannot apply on every node.
    const extras = swarmExtras(phaseOptions(properties, app.id, 'deploy'), storageBinds(properties, app.id, 'deploy'), constraints);
    const remote = remoteImage(properties, this.api.instance, app, release.version);
    if (remote.local) await this.ensureLocalRegistry(remote.server);
    log.step(`Pushing ${remote.ref}`);
    await pushImage(this.docker, release.image, remote);
    const existing = await this.services(app.id);
    const types = Object.keys(release.formation).filter((type) => options.onlyType === undefined || type === options.onlyType);
    // Linked services: the tasks reach them on the services' overlay twins (swarm-networks.ts).
    const networks = await ensureServiceOverlays(this.docker, this.api.networks.of(app.id));
    const health = new Map(types.map((type) => [type, typeHealth(this.api.store.properties, app, release, type)]));
    const created: string[] = [];
    for (const type of types) {
      const identity = { instance: this.api.instance, app, type };
      const current = existing.find((s) => s.Spec.Name === serviceName(identity));
      const gate = health.get(type)!;
      if (gate.gating.length && release.formation[type].count > 0) {
        log.step(`${type}: each new task must pass ${gate.gating.map((name) => `"${name}"`).join(', ')} before an old one stops`);
      }
      for (const note of gate.notes) log.detail(note);
      const replicas = release.formation[type].count;
      const forceUpdate = (current?.Spec.TaskTemplate?.ForceUpdate ?? 0) + (options.restart ? 1 : 0);
      const spec = serviceSpec({
        ...identity,
        release,
        image: remote.ref,
        replicas,
        options: { ...processOptions(properties, app.id, type), ...(extras.restartPolicy ? { restartPolicy: extras.restartPolicy } : {}) },
        constraints,
        extras,
        forceUpdate,
        networks,
        health: gate,
      });
      try {
        if (current) {
          log.step(`Updating service ${serviceName(identity)} (${replicas} task${replicas === 1 ? '' : 's'}, start-first)`);
          await this.docker.getService(current.ID).update({ version: current.Version.Index, ...spec, authconfig: remote.auth });
        } else {
          log.step(`Creating service ${serviceName(identity)} (${replicas} task${replicas === 1 ? '' : 's'})`);
          await this.docker.createService({ ...spec, authconfig: remote.auth });
          created.push(serviceName(identity));
        }
      } catch (error) {
        throw new UserError(`Swarm refused the ${type} service: ${dockerMessage(error)}`);
      }
    }
    const tasks = await this.follow(app, release, types, log, traffic, { created, health });
    if (options.onlyType === undefined) {
      // Services of process types the release no longer has, or of the app's old name (apps:rename).
      const wanted = new Set(Object.keys(release.formation).map((type) => serviceName({ instance: this.api.instance, app, type })));
      for (const stale of existing.filter((s) => !wanted.has(s.Spec.Name))) await this.removeService(stale.ID);
    }
    return tasks;
  }

  /** Waits until every task of these types runs the release, keeping nginx on the answering web tasks. */
  private async follow(
    app: AppRow,
    release: ReleaseRow,
    types: readonly string[],
    log: DeployLog,
    traffic: TrafficSwitch,
    made: { created: readonly string[]; health: ReadonlyMap<string, SwarmHealth> },
  ): Promise<ProcessContainer[]> {
    const deadline = Date.now() + ROLLOUT_TIMEOUT_MS;
    const reported = new Set<string>();
    for (;;) {
      const tasks = await this.list(app.id);
      await traffic.switchIfChanged(app, await this.upstreams(app.id, tasks));
      for (const task of tasks.filter((t) => t.release === release.version && t.running && !reported.has(t.id))) {
        reported.add(task.id);
        log.detail(`${task.type}.${task.index} runs on ${task.ip ?? task.node ?? 'a node'}${task.port ? ` (port ${task.port})` : ''}`);
      }
      const services = await this.services(app.id);
      for (const service of services.filter((s) => types.includes(s.Spec.Labels?.[LABELS.process] ?? ''))) {
        const state = service.UpdateStatus?.State ?? '';
        if (state.startsWith('rollback') || state === 'paused') {
          const why = (await taskFailures(this.docker, service.Spec.Name, release.version))[0];
          throw new UserError(
            `Swarm stopped the update of ${service.Spec.Name}: ${why ? `a new task ${why}` : (service.UpdateStatus?.Message ?? 'a new task failed')}` +
              `${gatingOf(service.Spec.Labels?.[LABELS.process], made.health)}; its tasks keep running the previous release (paas ps:report shows them)`,
          );
        }
        if (made.created.includes(service.Spec.Name)) {
          // A new service has no previous release to roll back to: it goes when its tasks keep failing.
          const failed = await taskFailures(this.docker, service.Spec.Name, release.version);
          if (failed.length >= Math.max(2, service.Spec.Mode?.Replicated?.Replicas ?? 1)) {
            await this.removeService(service.ID);
            throw new UserError(
              `the tasks of ${service.Spec.Name} failed (${failed[0]})${gatingOf(service.Spec.Labels?.[LABELS.process], made.health)}; paas removed the service`,
            );
          }
        }
      }
      const done = types.every((type) => {
        const wanted = release.formation[type].count;
        const name = serviceName({ instance: this.api.instance, app, type });
        const ofType = tasks.filter((t) => t.name.startsWith(`${name}.`));
        const updating = services.some((s) => s.Spec.Name === name && s.UpdateStatus?.State === 'updating');
        return !updating && ofType.filter((t) => t.release === release.version && t.running).length === wanted && ofType.length === wanted;
      });
      if (done) {
        // nginx ends on exactly the web tasks of the release.
        await traffic.switchIfChanged(app, await this.upstreams(app.id));
        return tasks.filter((t) => t.release === release.version);
      }
      if (Date.now() > deadline)
        throw new UserError(`the tasks of ${app.name} v${release.version} did not all start within ${ROLLOUT_TIMEOUT_MS / 60_000} minutes`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Removes the app's services (ps:stop, apps:destroy, a switch back to docker-local). */
  async remove(appId: number): Promise<number> {
    const services = await this.services(appId);
    for (const service of services) await this.removeService(service.ID);
    return services.length;
  }

  private async removeService(id: string): Promise<void> {
    await this.docker
      .getService(id)
      .remove()
      .catch((error: unknown) => {
        if (statusOf(error) !== 404) throw error;
      });
  }

  /** The log lines of the app's services (every task), as `docker service logs` prints them. */
  async logs(
    appId: number,
    options: { tail?: number; follow?: boolean; type?: string },
  ): Promise<Array<{ name: string; stream: NodeJS.ReadableStream }>> {
    const services = (await this.services(appId)).filter(
      (s) => options.type === undefined || s.Spec.Labels?.[LABELS.process] === options.type,
    );
    return Promise.all(
      services.map(async (s) => ({
        name: s.Spec.Name,
        stream: await this.docker.getService(s.ID).logs({
          stdout: true,
          stderr: true,
          follow: options.follow ?? false,
          tail: options.tail ?? 100,
          timestamps: false,
          details: false,
        }),
      })),
    );
  }
}
