import type Docker from 'dockerode';
import { UserError } from '../../core/errors.js';
import { statusOf } from '../../docker/errors.js';
import { networkExists } from '../../deploy/networks.js';
import { dockerNetworkName } from '../../network/network-part.js';
import { extraNetworks } from './properties.js';

/**
 * A network `<plugin>:set` names that was removed outside paas (docker network rm): refused
 * with what to do, before anything changes, rather than Docker's "network not found".
 */
export async function assertSetNetworksExist(
  docker: Docker,
  instance: string,
  plugin: string,
  service: { name: string; properties?: Readonly<Record<string, string>> },
): Promise<void> {
  const properties = service.properties ?? {};
  for (const network of extraNetworks(properties)) {
    if (await networkExists(docker, dockerNetworkName(instance, network))) continue;
    const key = Object.keys(properties).find((k) => (properties[k] ?? '').split(' ').includes(network)) ?? 'post-create-network';
    throw new UserError(
      `network ${network}, which ${plugin} service ${service.name} is set to join, no longer exists: ` +
        `clear it with paas ${plugin}:set ${service.name} ${key}, or make it again with paas network:create ${network}`,
    );
  }
}

/**
 * Whether a container is still attached to a network Docker no longer has, or to an earlier
 * network of the same name (removed and made again): Docker would not start it.
 */
export async function onRemovedNetwork(docker: Docker, container: string): Promise<boolean> {
  const info = await docker.getContainer(container).inspect();
  for (const [name, endpoint] of Object.entries(info.NetworkSettings.Networks ?? {})) {
    const id = await docker
      .getNetwork(name)
      .inspect()
      .then(
        (network: { Id: string }) => network.Id,
        (error: unknown) => {
          if (statusOf(error) === 404) return undefined;
          throw error;
        },
      );
    if (id !== endpoint.NetworkID) return true;
  }
  return false;
}
