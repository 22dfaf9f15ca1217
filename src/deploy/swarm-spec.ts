import type { ReleaseRow } from '../store/releases.js';
import { APP_PIDS_LIMIT } from './container-defaults.js';
import type { ProcessOptions } from './scheduler.js';
import { LABELS, processLabels } from './naming.js';
import { processCommand, processEnv } from './process-env.js';
import type { SwarmHealth } from './swarm-health.js';
import type { SwarmExtras } from './swarm-options.js';

export interface ServiceIdentity {
  instance: string;
  app: { id: number; name: string };
  type: string;
}

/** `paas-INSTANCE-APP-TYPE`: one Swarm service per process type of an app. */
export function serviceName({ instance, app, type }: ServiceIdentity): string {
  return `paas-${instance}-${app.name}-${type}`;
}

export function serviceLabels({ instance, app, type }: ServiceIdentity): Record<string, string> {
  return {
    [LABELS.instance]: instance,
    [LABELS.app]: app.name,
    [LABELS.appId]: String(app.id),
    [LABELS.process]: type,
    [LABELS.role]: 'service',
  };
}

export interface ServiceInput extends ServiceIdentity {
  release: ReleaseRow;
  /** The release's image as the nodes pull it (server/repository:tag). */
  image: string;
  replicas: number;
  options: ProcessOptions;
  constraints: readonly string[];
  /** Bumped to replace every task without another change (ps:restart). */
  forceUpdate: number;
  /** Overlay networks the tasks join: those of the app's linked services (swarm-networks.ts). */
  networks: readonly string[];
  /** The app's docker options and storage mounts that apply to tasks (swarm-options.ts). */
  extras?: SwarmExtras;
  /** The type's app.json checks as Swarm's health check and update settings. */
  health: Pick<SwarmHealth, 'healthcheck' | 'order' | 'monitorSeconds'>;
}

const NS = 1e9;

/**
 * The Swarm service of one process type of a release. Web tasks publish the app's port in host
 * mode on a port Docker picks per task, which nginx on the manager reaches at the node's address;
 * new tasks start before old ones stop (start-first), one at a time, each healthy by the app.json
 * checks before its old one stops, and a failed update rolls the service back to its previous
 * spec. Pure.
 */
export function serviceSpec(input: ServiceInput): Record<string, unknown> {
  const { release, type, options } = input;
  const web = type === 'web';
  // Swarm fills in each task's slot number, as docker-local numbers its containers.
  const env = processEnv(release, type, 0, options.revEnvVar).map((entry) =>
    entry.startsWith('DYNO=') ? `DYNO=${type}.{{.Task.Slot}}` : entry,
  );
  const labels = processLabels({
    instance: input.instance,
    appId: input.app.id,
    app: input.app.name,
    release: release.version,
    type,
    index: 0,
  });
  delete labels[LABELS.index];
  // Not `process`: the docker-local scheduler owns the containers with that role (a task may run on the manager).
  labels[LABELS.role] = 'swarm-task';
  const policy = options.restartPolicy ?? { Name: 'on-failure', MaximumRetryCount: 10 };
  const command = processCommand(release.formation[type]?.command ?? null);
  const { health } = input;
  const update = {
    Parallelism: 1,
    Delay: 1 * NS,
    Monitor: health.monitorSeconds * NS,
    Order: health.order,
    FailureAction: 'rollback',
    MaxFailureRatio: 0,
  };
  return {
    Name: serviceName(input),
    Labels: serviceLabels(input),
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        ...(command ? { Args: command } : {}),
        ...input.extras?.container,
        Env: env,
        Labels: { ...(input.extras?.container.Labels as Record<string, string> | undefined), ...labels },
        ...(options.stopTimeout !== undefined ? { StopGracePeriod: options.stopTimeout * NS } : {}),
        ...(health.healthcheck ? { Healthcheck: health.healthcheck } : {}),
      },
      Resources: {
        Limits: {
          Pids: APP_PIDS_LIMIT,
          ...(options.limits?.memory ? { MemoryBytes: options.limits.memory } : {}),
          ...(options.limits?.cpu ? { NanoCPUs: Math.round(options.limits.cpu * NS) } : {}),
          ...input.extras?.limits,
        },
        ...(input.extras?.reservations.MemoryBytes ? { Reservations: input.extras.reservations } : {}),
      },
      RestartPolicy:
        policy.Name === 'no'
          ? { Condition: 'none' }
          : policy.Name === 'on-failure'
            ? { Condition: 'on-failure', ...(policy.MaximumRetryCount ? { MaxAttempts: policy.MaximumRetryCount } : {}) }
            : { Condition: 'any' },
      Placement: { Constraints: [...input.constraints] },
      Networks: input.networks.map((network) => ({ Target: network })),
      LogDriver: {
        Name: 'json-file',
        Options: {
          ...('logMaxSize' in options && options.logMaxSize === undefined
            ? {}
            : { 'max-size': options.logMaxSize ?? '10m', 'max-file': '3' }),
          ...input.extras?.logOptions,
        },
      },
      ForceUpdate: input.forceUpdate,
    },
    Mode: { Replicated: { Replicas: input.replicas } },
    UpdateConfig: update,
    RollbackConfig: { ...update, FailureAction: 'pause' },
    EndpointSpec: web ? { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: release.port, PublishMode: 'host' }] } : { Mode: 'vip' },
  };
}
