import type Docker from 'dockerode';
import { applyOverrides, type ContainerOverrides } from '../docker-options/container-overrides.js';
import type { Terminal } from '../core/command.js';
import type { ReleaseRow } from '../store/releases.js';
import { appContainerDefaults } from './container-defaults.js';
import { processLabels } from './naming.js';
import { expiryLabel } from './one-off-ttl.js';
import { processCommand, processEnv } from './process-env.js';
import { dockerLimits, type ResourceLimits } from './resource-limits.js';

/** How one process container runs: its limits, and Dokku's ps properties. */
export interface ProcessOptions {
  limits?: ResourceLimits;
  /** Docker's restart policy (ps:set restart-policy); default Dokku's on-failure:10. */
  restartPolicy?: { Name: string; MaximumRetryCount?: number };
  /** Seconds between SIGTERM and SIGKILL when Docker stops it (ps:set stop-timeout-seconds). */
  stopTimeout?: number;
  /** Docker's json-file max-size (logs:set max-size); undefined: no cap ("unlimited"). Default 10m. */
  logMaxSize?: string | undefined;
  /** The app's storage mounts of the deploy phase (storage:mount), Docker's `HOST:CONTAINER[:ro]`. */
  binds?: readonly string[];
  /** The app's deploy-phase docker options (docker-options:add), laid over the above. */
  docker?: ContainerOverrides;
  /** Host ports a web container publishes (its app's port mappings, once proxy:disable turned nginx off). */
  publish?: ReadonlyArray<{ host: number; container: number }>;
  /** The env var of the deployed commit (git:set rev-env-var); undefined: GIT_REV, null: none. */
  revEnvVar?: string | null;
}

export interface AppRef {
  id: number;
  name: string;
}

export interface ProcessSpecInput {
  /** The container's name (containerName: unique per start). */
  name: string;
  instance: string;
  app: AppRef;
  release: ReleaseRow;
  type: string;
  index: number;
  /** The paas network the container starts on (nginx reaches it there). */
  network: string;
  /** The host address published ports bind to (PAAS_LISTEN). */
  publishAddress: string;
  options: ProcessOptions;
}

/**
 * Docker's create options for one process container of a release: its command, env and labels,
 * restart policy, log cap, limits, paas's security defaults and the app's docker options on top.
 * Pure: the scheduler creates what this returns.
 */
export function processContainerSpec({
  name,
  instance,
  app,
  release,
  type,
  index,
  network,
  publishAddress,
  options,
}: ProcessSpecInput): Docker.ContainerCreateOptions {
  const web = type === 'web';
  const publish = web ? (options.publish ?? []) : [];
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const { host, container } of publish) {
    (bindings[`${container}/tcp`] ??= []).push({ HostIp: publishAddress, HostPort: String(host) });
  }
  return applyOverrides(
    {
      name,
      Image: release.image,
      Cmd: processCommand(release.formation[type]?.command ?? null),
      Env: processEnv(release, type, index, options.revEnvVar),
      Labels: processLabels({ instance, appId: app.id, app: app.name, release: release.version, type, index }),
      ExposedPorts: web ? Object.fromEntries([`${release.port}/tcp`, ...Object.keys(bindings)].map((key) => [key, {}])) : undefined,
      StopTimeout: options.stopTimeout,
      HostConfig: {
        RestartPolicy: options.restartPolicy ?? { Name: 'on-failure', MaximumRetryCount: 10 },
        // Nothing is published unless the app's proxy is disabled: nginx (on the host) reaches
        // the container at its address.
        NetworkMode: network,
        ...(publish.length ? { PortBindings: bindings } : {}),
        LogConfig: {
          Type: 'json-file',
          Config:
            'logMaxSize' in options && options.logMaxSize === undefined ? {} : { 'max-size': options.logMaxSize ?? '10m', 'max-file': '3' },
        },
        ...appContainerDefaults(options.binds),
        ...dockerLimits(options.limits ?? {}),
      },
      NetworkingConfig: {
        EndpointsConfig: { [network]: { Aliases: [`${app.name}.${type}.${index}`] } },
      },
    },
    options.docker,
  );
}

/** What a one-off container is made of (see OneOffOptions in one-off.ts for the running side). */
export interface OneOffSpecInput {
  image: string;
  cmd: string[] | undefined;
  env: string[];
  labels: Record<string, string>;
  network: string;
  name?: string;
  /** The caller gives it input (stdin piped to the container). */
  withStdin: boolean;
  terminal?: Pick<Terminal, 'term'>;
  /** The app's storage mounts (storage:mount) of the phase it runs in. */
  binds?: readonly string[];
  /** The app's docker options of the phase it runs in (docker-options:add). */
  docker?: ContainerOverrides;
}

/**
 * Docker's create options for a one-off container (`run`, deploy tasks, cron): attached output,
 * stdin when there is any, a TTY on the caller's terminal, an expiry label, paas's security
 * defaults and the app's docker options on top. Pure (the expiry counts from `now`).
 */
export function oneOffContainerSpec(options: OneOffSpecInput, ttlSeconds: number, now = Date.now()): Docker.ContainerCreateOptions {
  const { terminal } = options;
  const withStdin = options.withStdin || terminal !== undefined;
  return applyOverrides(
    {
      name: options.name,
      Image: options.image,
      Cmd: options.cmd,
      Env: terminal ? [...options.env, `TERM=${terminal.term}`] : options.env,
      Labels: { ...options.labels, ...expiryLabel(ttlSeconds, now) },
      Tty: terminal !== undefined,
      OpenStdin: withStdin,
      // A terminal's input never "ends": Docker would end the whole session with it.
      StdinOnce: withStdin && !terminal,
      AttachStdin: withStdin,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { NetworkMode: options.network, AutoRemove: false, ...appContainerDefaults(options.binds) },
    },
    options.docker,
  );
}
