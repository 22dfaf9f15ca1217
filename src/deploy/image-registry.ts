import type Docker from 'dockerode';
import { isIP } from 'node:net';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { readProperty, type TopicSpec } from '../core/properties.js';
import type { PropertiesTable } from '../store/properties.js';
import { imageRepository } from './naming.js';
import { SWARM_TOPIC } from './scheduler-topics.js';

/** `registry:set ... server local`: the registry paas runs on the manager (local-registry.ts). */
export const LOCAL_SERVER = 'local';
const LOCAL_PORT = 5000;

/** A registry host, optionally with a port: what goes before the first `/` of an image name. */
const SERVER = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export function validServer(value: string): string {
  if (value === LOCAL_SERVER) return value;
  if (!SERVER.test(value))
    throw new UserError(`invalid registry server "${printable(value)}"; use a host or host:port, like registry.example.com:5000`);
  return value;
}

/** registry:set / registry:report: where the images of swarm apps are pushed, so every node can pull them. */
export const REGISTRY_TOPIC: TopicSpec = {
  topic: 'registry',
  namespace: 'registry',
  properties: [
    {
      key: 'server',
      scope: 'app+global',
      summary: `the registry (host[:port]) the release images of swarm apps are pushed to and pulled from; ${LOCAL_SERVER}: the one paas runs on the manager`,
      validate: validServer,
    },
    {
      key: 'local-address',
      scope: 'global',
      summary: `IP:PORT the registry paas runs (server ${LOCAL_SERVER}) listens on and nodes pull from (default: the manager address, port ${LOCAL_PORT})`,
      validate(value) {
        const match = /^(.+):(\d{1,5})$/.exec(value);
        if (!match || isIP(match[1]!) !== 4 || Number(match[2]) < 1 || Number(match[2]) > 65535)
          throw new UserError(`invalid local-address "${printable(value)}"; use IP:PORT, like 10.0.0.1:5000`);
        // Nodes pull from this address and the certificate names it: "every address" is none of them.
        if (match[1] === '0.0.0.0')
          throw new UserError('local-address needs the one address the nodes pull from (the private one), not 0.0.0.0');
        return value;
      },
    },
    {
      key: 'image-repo',
      scope: 'app',
      summary: 'the repository of the app in that registry (default: paas-INSTANCE/APP)',
      validate(value) {
        if (!REPOSITORY.test(value))
          throw new UserError(`invalid image-repo "${printable(value)}"; use lowercase path parts like team/blog`);
        return value;
      },
    },
  ],
};

/** Credentials of registry:login, per server (namespace registry-auth, never printed). */
const AUTH_NAMESPACE = 'registry-auth';

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export function saveLogin(properties: PropertiesTable, server: string, login: { username: string; password: string } | undefined): void {
  properties.set(null, AUTH_NAMESPACE, server, login === undefined ? undefined : JSON.stringify(login));
}

export function loginOf(properties: PropertiesTable, server: string): RegistryAuth | undefined {
  const stored = properties.get(null, AUTH_NAMESPACE, server);
  if (!stored) return undefined;
  try {
    const { username, password } = JSON.parse(stored) as { username: string; password: string };
    return { username, password, serveraddress: server };
  } catch {
    return undefined;
  }
}

export function loggedInServers(properties: PropertiesTable): string[] {
  return Object.keys(properties.all(null, AUTH_NAMESPACE)).sort();
}

/** IP:PORT of the registry paas runs on the manager, or a message saying what to set. */
export function localRegistryAddress(properties: PropertiesTable, managerIp?: string): string {
  const address = readProperty(properties, REGISTRY_TOPIC, 'local-address', 0);
  if (address) return address;
  const manager = readProperty(properties, SWARM_TOPIC, 'manager-address', 0) ?? managerIp;
  if (!manager) {
    throw new UserError(
      `paas's registry listens on the manager address; set it first: paas scheduler-swarm:set --global manager-address IP (or paas registry:set --global local-address IP:PORT)`,
    );
  }
  return `${manager}:${LOCAL_PORT}`;
}

/** Whether an app or the global setting uses the registry paas runs. */
export function usesLocalRegistry(properties: PropertiesTable): boolean {
  return properties.anyHolds(REGISTRY_TOPIC.namespace, 'server', LOCAL_SERVER);
}

export interface RemoteImage {
  /** `server/repository:tag`, what the nodes pull. */
  ref: string;
  /** host:port of the registry. */
  server: string;
  /** Whether it is the registry paas runs on the manager. */
  local: boolean;
  repository: string;
  tag: string;
  auth: RegistryAuth | undefined;
}

/** Where a release's image lives in the app's registry; throws when no registry is set. */
export function remoteImage(
  properties: PropertiesTable,
  instance: string,
  app: { id: number; name: string },
  version: number,
): RemoteImage {
  const setting = readProperty(properties, REGISTRY_TOPIC, 'server', app.id);
  if (!setting) {
    throw new UserError(
      `${app.name} runs on the swarm scheduler, whose nodes pull images from a registry; set one first: ` +
        `paas registry:set --global server HOST:PORT (or ${LOCAL_SERVER} for one paas runs on this server)`,
    );
  }
  const local = setting === LOCAL_SERVER;
  const server = local ? localRegistryAddress(properties) : setting;
  const repository = `${server}/${readProperty(properties, REGISTRY_TOPIC, 'image-repo', app.id) ?? imageRepository(instance, app.name)}`;
  const tag = `v${version}`;
  return { ref: `${repository}:${tag}`, server, local, repository, tag, auth: local ? undefined : loginOf(properties, server) };
}

/** Tags the local image with its registry name and pushes it; throws with the registry's message. */
export async function pushImage(docker: Docker, localImage: string, remote: RemoteImage, signal?: AbortSignal): Promise<void> {
  await docker.getImage(localImage).tag({ repo: remote.repository, tag: remote.tag });
  const image = docker.getImage(remote.repository);
  const stream = await image.push({ tag: remote.tag, authconfig: remote.auth, abortSignal: signal });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new UserError(`pushing ${remote.ref} failed: ${failed}`));
      else resolve();
    });
  });
}
