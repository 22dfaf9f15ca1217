import type Docker from 'dockerode';
import { UserError } from '../../core/errors.js';
import { demuxLogBuffer } from '../../docker/logs.js';
import { serviceNetworkName } from '../../deploy/naming.js';
import { connectNetwork, disconnectNetwork, ensureBridgeNetwork, removeNetwork } from '../../deploy/networks.js';
import { execText } from '../../docker/exec.js';
import { joinOverlayTwin, overlayOf } from '../../deploy/swarm-networks.js';
import { dockerNetworkName } from '../../network/network-part.js';
import type { ServiceDefinition } from './definition.js';
import { extraNetworks } from './properties.js';
import { assertSetNetworksExist, onRemovedNetwork } from './set-networks.js';
import { serviceContainerName, serviceHost, serviceLabels, serviceVolumeName } from './docker-names.js';
import type { ServiceRow, ServiceSpec } from './store.js';

export type ServiceStatus = 'running' | 'restarting' | 'stopped' | 'missing';

export interface ServiceState {
  status: ServiceStatus;
  id?: string;
  ip?: string;
  /** How often Docker restarted it after it exited. */
  restarts?: number;
}

const READY_TIMEOUT_MS = 90_000;

/** The Docker side of one plugin's services: one container, one named volume and one network each. */
export class ServiceContainers {
  private readonly plugin: string;

  constructor(
    readonly docker: Docker,
    readonly instance: string,
    readonly definition: ServiceDefinition,
  ) {
    this.plugin = definition.plugin;
  }

  /** The service's own network: only the apps linked to it join, so no other app reaches it. */
  networkOf(service: string): string {
    return serviceNetworkName(this.instance, this.plugin, service);
  }

  containerName(service: string): string {
    return serviceContainerName(this.instance, this.plugin, service);
  }

  volumeName(service: string): string {
    return serviceVolumeName(this.instance, this.plugin, service);
  }

  /** Its hostname on its own network, which linked apps use. */
  host(service: string): string {
    return serviceHost(this.plugin, service);
  }

  labels(service: string): Record<string, string> {
    return serviceLabels(this.instance, this.plugin, service);
  }

  async state(service: string): Promise<ServiceState> {
    try {
      const info = await this.docker.getContainer(this.containerName(service)).inspect();
      const status: ServiceStatus = info.State.Restarting ? 'restarting' : info.State.Running ? 'running' : 'stopped';
      const ip = info.NetworkSettings.Networks?.[this.networkOf(service)]?.IPAddress || undefined;
      return { status, id: info.Id, ip, restarts: info.RestartCount };
    } catch (error) {
      if (notFound(error)) return { status: 'missing' };
      throw error;
    }
  }

  async volumeExists(service: string): Promise<boolean> {
    try {
      await this.docker.getVolume(this.volumeName(service)).inspect();
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      throw error;
    }
  }

  async ensureNetwork(service: string): Promise<void> {
    const name = this.networkOf(service);
    await ensureBridgeNetwork(this.docker, { name, instance: this.instance, main: false, labels: this.labels(service), icc: true });
  }

  /**
   * Puts an existing container on its own network (with its hostname as alias) and returns
   * the other networks it is on: services made by older paas versions sat on the apps' network.
   */
  async joinOwnNetwork(service: string): Promise<string[]> {
    await this.ensureNetwork(service);
    const info = await this.docker.getContainer(this.containerName(service)).inspect();
    const networks = Object.keys(info.NetworkSettings.Networks ?? {});
    const own = this.networkOf(service);
    if (!networks.includes(own)) await connectNetwork(this.docker, own, info.Id, [this.host(service)]);
    return networks.filter((name) => name !== own);
  }

  async leaveNetworks(service: string, networks: readonly string[]): Promise<void> {
    for (const name of networks) await disconnectNetwork(this.docker, name, this.containerName(service));
  }

  async createVolume(service: string): Promise<void> {
    await this.docker.createVolume({ Name: this.volumeName(service), Labels: this.labels(service) });
  }

  /** Creates and starts the service's container on its (existing) volume, its port published when exposed. */
  async createContainer(service: ServiceSpec): Promise<void> {
    await this.ensureNetwork(service.name);
    const network = this.networkOf(service.name);
    const { env, cmd } = this.definition.container(service);
    const port = `${this.definition.port}/tcp`;
    const exposed = service.exposed ?? [];
    const container = await this.docker.createContainer({
      name: this.containerName(service.name),
      Hostname: this.host(service.name),
      Image: service.image,
      Env: env ?? [],
      ...(cmd && { Cmd: cmd }),
      Labels: this.labels(service.name),
      ...(exposed.length && { ExposedPorts: { [port]: {} } }),
      HostConfig: {
        NetworkMode: network,
        ...(exposed.length && {
          PortBindings: { [port]: exposed.map((p) => ({ HostIp: p.hostIp, HostPort: String(p.hostPort) })) },
        }),
        Mounts: [{ Type: 'volume', Source: this.volumeName(service.name), Target: service.dataPath }],
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        Memory: service.memoryMb ? service.memoryMb * 1024 * 1024 : 0,
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [this.host(service.name)] } } },
    });
    await this.syncNetworks(service);
    // Swarm apps linked to it reach it on the overlay twin of its network (deploy/swarm-networks.ts).
    await joinOverlayTwin(this.docker, network, container.id, [this.host(service.name)]);
    await container.start();
  }

  /**
   * Puts the container on the networks `<plugin>:set` names (network:create'd ones, where it
   * answers to its hostname) and takes it off such networks no longer named.
   */
  async syncNetworks(service: Pick<ServiceSpec, 'name' | 'properties'>): Promise<void> {
    await assertSetNetworksExist(this.docker, this.instance, this.plugin, service);
    const name = this.containerName(service.name);
    const info = await this.docker.getContainer(name).inspect();
    const current = Object.keys(info.NetworkSettings.Networks ?? {});
    const wanted = extraNetworks(service.properties ?? {}).map((network) => dockerNetworkName(this.instance, network));
    const userPrefix = dockerNetworkName(this.instance, '');
    for (const network of wanted)
      if (!current.includes(network)) await connectNetwork(this.docker, network, info.Id, [this.host(service.name)]);
    for (const network of current) {
      if (network.startsWith(userPrefix) && !wanted.includes(network)) await disconnectNetwork(this.docker, network, info.Id);
    }
  }

  /**
   * Makes the container again on the same volume (expose, unexpose, upgrade): removed, then
   * created from the row; left stopped when the service is stopped on purpose.
   */
  async recreate(service: ServiceRow): Promise<void> {
    await this.remove(service.name, false);
    await this.createContainer(service);
    if (service.stopped) await this.stop(service.name);
    else await this.waitReady(service);
  }

  /** Makes sure the service runs: starts its container, or makes it again on its volume if it is gone. */
  async ensureRunning(service: ServiceRow): Promise<'running' | 'started' | 'created'> {
    const { status } = await this.state(service.name);
    if (status === 'running' || status === 'restarting') return 'running';
    if (status === 'stopped') {
      await this.syncNetworks(service);
      if (await onRemovedNetwork(this.docker, this.containerName(service.name))) {
        // Its set network was removed outside paas and the setting cleared since: a new container on the volume.
        await this.remove(service.name, false);
        await this.createContainer(service);
        return 'created';
      }
      await this.docker.getContainer(this.containerName(service.name)).start();
      return 'started';
    }
    if (!(await this.volumeExists(service.name))) {
      throw new UserError(
        `the data volume ${this.volumeName(service.name)} of ${service.name} is gone; restore it from an export into a new service`,
      );
    }
    await this.createContainer(service);
    return 'created';
  }

  async stop(service: string): Promise<void> {
    await this.docker
      .getContainer(this.containerName(service))
      .stop({ t: 30 })
      .catch((error: unknown) => {
        // 304: already stopped
        if (!notFound(error) && (error as { statusCode?: number }).statusCode !== 304) throw error;
      });
  }

  async restart(service: string): Promise<void> {
    await this.docker.getContainer(this.containerName(service)).restart({ t: 30 });
  }

  /** The container's last log line, to say why it stopped. */
  async lastLogLine(service: string): Promise<string> {
    try {
      const logs = await this.docker.getContainer(this.containerName(service)).logs({ stdout: true, stderr: true, tail: 5, follow: false });
      return oneLineOf(demuxLogBuffer(logs));
    } catch {
      return '';
    }
  }

  /** Removes the container and, with `data`, the volume and network. Only ever this daemon's own objects. */
  async remove(service: string, data: boolean): Promise<void> {
    await this.docker
      .getContainer(this.containerName(service))
      .remove({ force: true })
      .catch((error: unknown) => {
        if (!notFound(error)) throw error;
      });
    if (!data) return;
    await removeNetwork(this.docker, this.networkOf(service));
    await removeNetwork(this.docker, overlayOf(this.networkOf(service)));
    await this.docker
      .getVolume(this.volumeName(service))
      .remove()
      .catch((error: unknown) => {
        if (!notFound(error)) throw error;
      });
  }

  /** Waits until the service answers its definition's readiness check, as a linked app would connect. */
  async waitReady(service: Pick<ServiceSpec, 'name' | 'password'>, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const restartsBefore = (await this.state(service.name)).restarts ?? 0;
    const check = this.definition.readiness(service);
    let last = '';
    for (;;) {
      const state = await this.state(service.name);
      if (state.status === 'missing' || state.status === 'stopped' || (state.restarts ?? 0) > restartsBefore) {
        const why = (await this.lastLogLine(service.name)) || 'no output';
        throw new UserError(
          `${this.plugin} service ${service.name} exited while starting (${why}); see: paas ${this.plugin}:logs ${service.name}`,
        );
      }
      if (state.status === 'running' && state.id) {
        const result = await execText(this.docker, state.id, { cmd: check.cmd, env: check.env ?? [] }).catch((error: unknown) => ({
          code: 1,
          output: error instanceof Error ? error.message : String(error),
        }));
        if (result.code === 0 && (!check.expect || check.expect.test(result.output))) return;
        last = result.output;
      }
      if (Date.now() > deadline) {
        throw new UserError(
          `${this.plugin} service ${service.name} did not accept connections within ${Math.round(timeoutMs / 1000)} s ` +
            `(${oneLineOf(last) || 'no answer'}); see: paas ${this.plugin}:logs ${service.name}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function notFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

function oneLineOf(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
