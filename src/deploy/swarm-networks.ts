import type Docker from 'dockerode';
import { statusOf } from '../docker/errors.js';
import { connectNetwork, networkExists } from './networks.js';
import { LABELS } from './naming.js';

/**
 * Linked services (postgres, redis) for swarm apps. A service container stays on the manager, on
 * its own bridge network, which only reaches containers of that one engine. For swarm tasks on any
 * node, each linked service's bridge gets a twin: an attachable overlay network (Swarm's VXLAN
 * between the nodes) that the service container joins under the same host name, and the tasks
 * of the linked apps join. The link's URL (DATABASE_URL, REDIS_URL) stays the same.
 */

/** The overlay twin of a service's bridge network. Pure. */
export function overlayOf(bridge: string): string {
  return `${bridge}-swarm`;
}

/** The container role of a linked service (service-kit's SERVICE_ROLE). */
const SERVICE_CONTAINER_ROLE = 'service';

interface BridgeInfo {
  Labels?: Record<string, string>;
  Containers?: Record<string, unknown>;
}

interface ContainerInfo {
  Id: string;
  Config: { Labels?: Record<string, string> };
  NetworkSettings: { Networks?: Record<string, { Aliases?: string[] | null }> };
}

/**
 * Makes the overlay twins of these service bridges (unless they exist) and puts each service
 * container on its twin with the host names it has on the bridge; returns the overlays' names.
 * A bridge that is gone (service destroyed meanwhile) is skipped.
 */
export async function ensureServiceOverlays(docker: Docker, bridges: readonly string[]): Promise<string[]> {
  const overlays: string[] = [];
  for (const bridge of bridges) {
    let info: BridgeInfo;
    try {
      info = (await docker.getNetwork(bridge).inspect()) as BridgeInfo;
    } catch (error) {
      if (statusOf(error) === 404) continue;
      throw error;
    }
    const overlay = overlayOf(bridge);
    await ensureOverlay(docker, overlay, info.Labels ?? {});
    for (const id of Object.keys(info.Containers ?? {})) {
      const container = (await docker.getContainer(id).inspect()) as ContainerInfo;
      if (container.Config.Labels?.[LABELS.role] !== SERVICE_CONTAINER_ROLE) continue;
      if (container.NetworkSettings.Networks?.[overlay]) continue;
      const aliases = (container.NetworkSettings.Networks?.[bridge]?.Aliases ?? []).filter((a) => !container.Id.startsWith(a));
      await connectNetwork(docker, overlay, container.Id, aliases);
    }
    overlays.push(overlay);
  }
  return overlays;
}

async function ensureOverlay(docker: Docker, name: string, labels: Record<string, string>): Promise<void> {
  if (await networkExists(docker, name)) return;
  await docker
    .createNetwork({ Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: labels })
    .catch((error: unknown) => {
      if (statusOf(error) !== 409) throw error;
    });
}

/** Puts a (new) service container on its bridge's overlay twin, when there is one. */
export async function joinOverlayTwin(docker: Docker, bridge: string, container: string, aliases: string[]): Promise<void> {
  const overlay = overlayOf(bridge);
  if (await networkExists(docker, overlay)) await connectNetwork(docker, overlay, container, aliases);
}
