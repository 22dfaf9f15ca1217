import type { FlagSpec } from '../../core/command.js';
import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import type { PartApi } from '../../core/part.js';
import {
  BUILD_PROCESS_TYPE,
  DEFAULT_PROCESS_TYPE,
  RESOURCE_NAMESPACE,
  formatMemory,
  parseCpu,
  parseMemory,
  resourceKey,
  resourceLimits,
} from '../resource-limits.js';

const PROCESS_TYPE_FLAG: Record<string, FlagSpec> = {
  'process-type': {
    type: 'string',
    description: 'a process type (web, worker, ...) or build (the build container); default: every process of the app',
    placeholder: 'TYPE',
  },
};

function processType(flag: string | boolean | undefined): string {
  if (flag === undefined) return DEFAULT_PROCESS_TYPE;
  const type = String(flag);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(type)) {
    throw new UserError(`invalid --process-type "${printable(type)}": use a Procfile type like web, or build`);
  }
  return type;
}

const label = (type: string) => (type === DEFAULT_PROCESS_TYPE ? 'processes' : type);

/** The types with limits set, the default first, for resource:report and apps:report. */
function limitedTypes(api: Pick<PartApi, 'store'>, appId: number): string[] {
  const keys = Object.keys(api.store.properties.all(appId, RESOURCE_NAMESPACE)).map((key) => key.split('.')[0]);
  return [...new Set([DEFAULT_PROCESS_TYPE, BUILD_PROCESS_TYPE, ...keys])];
}

/** resource:report fields: `TYPE-memory-limit` and `TYPE-cpu-limit` of each type with limits. */
export function resourceFields(api: Pick<PartApi, 'store'>, appId: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const type of limitedTypes(api, appId)) {
    const limits = resourceLimits(api.store.properties, appId, type);
    fields[`${label(type)}-memory-limit`] = limits.memory ? formatMemory(limits.memory) : '';
    fields[`${label(type)}-cpu-limit`] = limits.cpu ? String(limits.cpu) : '';
  }
  return fields;
}

/**
 * resource:limit, resource:limit-clear and resource:report: memory and CPU caps of an app's
 * containers (all, or one process type) and of its build container.
 */
/** How many CPUs the Docker host has: what --cpu may ask for at most. */
export type HostCpus = () => Promise<number>;

export function registerResourceCommands(api: PartApi, hostCpus: HostCpus): void {
  const { commands, store } = api;

  registerTopic(
    api,
    {
      topic: 'resource',
      namespace: RESOURCE_NAMESPACE,
      properties: [],
      fields: (app) => resourceFields(api, app.id),
    },
    { setCommand: false, reportSummary: "Show an app's resource limits", reportExampleKey: 'processes-memory-limit' },
  );

  commands.register({
    name: 'resource:limit',
    summary: "Cap an app's containers (or one process type, or its builds): memory and CPUs",
    usage: 'APP [--process-type TYPE|build] [--memory SIZE] [--cpu N]',
    description:
      "Without --process-type the limits apply to every process of the app; a type's own limits win.\n" +
      'Running containers get new limits at the next deploy or ps:restart; builds at the next build.\n' +
      'SIZE: 512m, 1g, 1.5g (a bare number is megabytes). N: CPUs, e.g. 1 or 0.5.',
    examples: ['paas resource:limit blog --memory 512m', 'paas resource:limit blog --process-type build --memory 1g --cpu 1'],
    flags: {
      ...PROCESS_TYPE_FLAG,
      memory: { type: 'string', description: 'memory limit, e.g. 512m or 1g', placeholder: 'SIZE' },
      cpu: { type: 'string', description: 'number of CPUs, e.g. 1 or 0.5', placeholder: 'N' },
    },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      const type = processType(flags['process-type']);
      if (flags.memory === undefined && flags.cpu === undefined) {
        throw new UserError('resource:limit: give --memory SIZE and/or --cpu N');
      }
      const memory = flags.memory === undefined ? undefined : parseMemory(String(flags.memory));
      const cpu = flags.cpu === undefined ? undefined : parseCpu(String(flags.cpu), await hostCpus());
      const { properties } = store;
      if (memory !== undefined) properties.set(app.id, RESOURCE_NAMESPACE, resourceKey(type, 'memory'), String(memory));
      if (cpu !== undefined) properties.set(app.id, RESOURCE_NAMESPACE, resourceKey(type, 'cpu'), String(cpu));
      const limits = resourceLimits(properties, app.id, type);
      writeLine(
        stdout,
        `-----> Limits of ${app.name} ${label(type)}: memory ${limits.memory ? formatMemory(limits.memory) : 'none'}, cpu ${limits.cpu ?? 'none'}`,
      );
      if (type !== BUILD_PROCESS_TYPE) writeLine(stdout, `       Apply them to running containers with: paas ps:restart ${app.name}`);
    },
  });

  commands.register({
    name: 'resource:limit-clear',
    summary: "Remove an app's limits (of every process, one process type, or builds)",
    usage: 'APP [--process-type TYPE|build]',
    examples: ['paas resource:limit-clear blog', 'paas resource:limit-clear blog --process-type build'],
    flags: PROCESS_TYPE_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      const type = processType(flags['process-type']);
      for (const resource of ['memory', 'cpu'] as const) {
        store.properties.set(app.id, RESOURCE_NAMESPACE, resourceKey(type, resource), undefined);
      }
      writeLine(stdout, `-----> Limits of ${app.name} ${label(type)} cleared`);
    },
  });
}
