import type { PropertiesTable } from '../store/properties.js';
import { overridesOf, type ContainerOverrides } from './container-overrides.js';
import { buildOverridesOf, type BuildOverrides } from './build-overrides.js';
import type { DockerOption } from './option-parser.js';
import { serviceNetworkName } from '../deploy/naming.js';

/** Dokku's phases: build (Dockerfile and buildpack builds), deploy (processes, deploy tasks), run (one-offs, cron). */
export const PHASES = ['build', 'deploy', 'run'] as const;
export type Phase = (typeof PHASES)[number];

/** store.properties namespace; the key is the phase, the value a JSON list of options. */
export const DOCKER_OPTIONS_NAMESPACE = 'docker-options';

export function phaseOptions(properties: PropertiesTable, appId: number, phase: Phase): DockerOption[] {
  const text = properties.get(appId, DOCKER_OPTIONS_NAMESPACE, phase);
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value)
      ? value.filter((o): o is DockerOption => typeof o === 'object' && o !== null && typeof (o as DockerOption).flag === 'string')
      : [];
  } catch {
    return [];
  }
}

export function savePhaseOptions(properties: PropertiesTable, appId: number, phase: Phase, options: readonly DockerOption[]): void {
  properties.set(appId, DOCKER_OPTIONS_NAMESPACE, phase, options.length ? JSON.stringify(options) : undefined);
}

/** What the app's options of a phase change in its containers; undefined when it has none. */
export function phaseOverrides(properties: PropertiesTable, appId: number, phase: 'deploy' | 'run'): ContainerOverrides | undefined {
  const options = phaseOptions(properties, appId, phase);
  return options.length ? overridesOf(options) : undefined;
}

/**
 * The app's build-phase options, and what they change in its builds (undefined when it has none)
 * with `--network NAME` turned into the Docker network's name.
 */
export function buildPhaseOverrides(
  properties: PropertiesTable,
  appId: number,
  instance: string,
): { options: DockerOption[]; docker?: BuildOverrides } {
  const options = phaseOptions(properties, appId, 'build');
  const docker = buildOverridesOf(options);
  if (docker?.network && docker.network !== 'host') docker.network = serviceNetworkName(instance, 'network', docker.network);
  return docker ? { options, docker } : { options };
}
