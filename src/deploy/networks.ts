import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { dockerMessage, statusOf } from '../docker/errors.js';
import { LABELS } from './naming.js';

/**
 * The Linux bridge of a paas network: `pa` + the instance id (+ 5 characters of the network's
 * name for service networks), so the firewall matches every bridge of an instance with one
 * wildcard (`pa<instance>+`). Interface names have at most 15 characters. Pure.
 */
export function bridgeName(instance: string, network: string, main: boolean): string {
  const suffix = main ? '' : createHash('sha256').update(network).digest('hex').slice(0, 5);
  return `pa${instance}${suffix}`;
}

/** What iptables matches for every bridge of this instance. Pure. */
export function bridgeWildcard(instance: string): string {
  return `pa${instance}+`;
}

export interface BridgeSpec {
  name: string;
  instance: string;
  /** The paas network itself (apps and nothing else), or a service's own network. */
  main: boolean;
  labels?: Record<string, string>;
  /** false: containers on it cannot talk to each other (the paas network: apps are kept apart). */
  icc: boolean;
}

/** Makes a bridge network unless it exists; two callers racing both succeed. */
export async function ensureBridgeNetwork(docker: Docker, spec: BridgeSpec): Promise<void> {
  if (await networkExists(docker, spec.name)) return;
  await docker
    .createNetwork({
      Name: spec.name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [LABELS.instance]: spec.instance, ...spec.labels },
      Options: {
        'com.docker.network.bridge.name': bridgeName(spec.instance, spec.name, spec.main),
        'com.docker.network.bridge.enable_icc': String(spec.icc),
      },
    })
    .catch((error: unknown) => {
      if (statusOf(error) !== 409) throw error;
    });
}

export async function networkExists(docker: Docker, name: string): Promise<boolean> {
  const existing = await docker.listNetworks({ filters: { name: [name] } });
  return existing.some((network) => network.Name === name);
}

/** The Linux bridge behind a network, whatever made it (older paas versions let Docker name it). */
export async function bridgeOf(docker: Docker, name: string): Promise<string | undefined> {
  try {
    const info = (await docker.getNetwork(name).inspect()) as { Id: string; Options?: Record<string, string> };
    return info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Connects a container (running or not); already connected is fine. */
export async function connectNetwork(docker: Docker, network: string, container: string, aliases?: string[]): Promise<void> {
  await docker
    .getNetwork(network)
    .connect({ Container: container, ...(aliases ? { EndpointConfig: { Aliases: aliases } } : {}) })
    .catch((error: unknown) => {
      if (!/already exists/i.test(dockerMessage(error))) throw error;
    });
}

/** Disconnects a container; not connected (or gone) is fine. */
export async function disconnectNetwork(docker: Docker, network: string, container: string): Promise<void> {
  await docker
    .getNetwork(network)
    .disconnect({ Container: container, Force: true })
    .catch((error: unknown) => {
      if (statusOf(error) !== 404 && !/is not connected/i.test(dockerMessage(error))) throw error;
    });
}

/** Removes a network after disconnecting whatever is still on it; gone already is fine. */
export async function removeNetwork(docker: Docker, name: string): Promise<void> {
  const network = docker.getNetwork(name);
  try {
    const info = (await network.inspect()) as { Containers?: Record<string, unknown> };
    for (const id of Object.keys(info.Containers ?? {})) await disconnectNetwork(docker, name, id);
    await network.remove();
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}
