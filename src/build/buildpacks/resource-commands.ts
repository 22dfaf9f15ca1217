import type { FlagSpec } from '../../core/command.js';
import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../../core/output.js';
import { renderReport } from '../../core/reports.js';
import type { PartApi } from '../../daemon/part.js';
import { SETTINGS, formatMemory, parseCpu, parseMemory, resourceKey, resourceLimits } from './settings.js';

/** The process types resource limits apply to so far: the build container. */
const SUPPORTED_TYPES = ['build'] as const;

const PROCESS_TYPE_FLAG: Record<string, FlagSpec> = {
  'process-type': { type: 'string', description: 'what the limit applies to: build (the build container)', placeholder: 'TYPE' },
};

function processType(flag: string | boolean | undefined): string {
  if (flag === undefined) {
    throw new UserError('give --process-type build: limits apply to the build container (limits of app processes are not supported yet)');
  }
  const type = String(flag);
  if (!(SUPPORTED_TYPES as readonly string[]).includes(type)) {
    throw new UserError(`--process-type ${printable(type)} is not supported; limits apply to: ${SUPPORTED_TYPES.join(', ')} (the build container)`);
  }
  return type;
}

/** The limits of an app for resource:report and apps:report. */
export function resourceRows(api: Pick<PartApi, 'store'>, appId: number): Array<[string, string]> {
  return SUPPORTED_TYPES.flatMap((type): Array<[string, string]> => {
    const limits = resourceLimits(api.store.properties, appId, type);
    return [
      [`Resource ${type} memory limit`, limits.memory ? formatMemory(limits.memory) : 'none'],
      [`Resource ${type} cpu limit`, limits.cpu ? String(limits.cpu) : 'none'],
    ];
  });
}

/** resource:limit, resource:limit-clear and resource:report: caps of the build container. */
export function registerResourceCommands(api: PartApi): void {
  const { commands, store } = api;

  commands.register({
    name: 'resource:limit',
    summary: "Cap an app's build container: memory and CPUs (--process-type build)",
    usage: 'APP --process-type build [--memory SIZE] [--cpu N]',
    description:
      'A build that needs more memory than its limit is stopped with a clear error instead of starving the server.\n' +
      'SIZE: 512m, 1g, 1.5g (a bare number is megabytes). N: CPUs, e.g. 1 or 0.5.',
    examples: ['paas resource:limit blog --process-type build --memory 1g --cpu 1'],
    flags: {
      ...PROCESS_TYPE_FLAG,
      memory: { type: 'string', description: 'memory limit, e.g. 512m or 1g', placeholder: 'SIZE' },
      cpu: { type: 'string', description: 'number of CPUs, e.g. 1 or 0.5', placeholder: 'N' },
    },
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name!);
      const type = processType(flags['process-type']);
      if (flags.memory === undefined && flags.cpu === undefined) {
        throw new UserError('resource:limit: give --memory SIZE and/or --cpu N');
      }
      const memory = flags.memory === undefined ? undefined : parseMemory(String(flags.memory));
      const cpu = flags.cpu === undefined ? undefined : parseCpu(String(flags.cpu));
      const { properties } = store;
      if (memory !== undefined) properties.set(app.id, SETTINGS.resourceNamespace, resourceKey(type, 'memory'), String(memory));
      if (cpu !== undefined) properties.set(app.id, SETTINGS.resourceNamespace, resourceKey(type, 'cpu'), String(cpu));
      const limits = resourceLimits(properties, app.id, type);
      writeLine(
        stdout,
        `-----> Limits of ${app.name} ${type}: memory ${limits.memory ? formatMemory(limits.memory) : 'none'}, cpu ${limits.cpu ?? 'none'}`,
      );
    },
  });

  commands.register({
    name: 'resource:limit-clear',
    summary: "Remove an app's build container limits",
    usage: 'APP --process-type build',
    examples: ['paas resource:limit-clear blog --process-type build'],
    flags: PROCESS_TYPE_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name!);
      const type = processType(flags['process-type']);
      for (const resource of ['memory', 'cpu'] as const) {
        store.properties.set(app.id, SETTINGS.resourceNamespace, resourceKey(type, resource), undefined);
      }
      writeLine(stdout, `-----> Limits of ${app.name} ${type} cleared`);
    },
  });

  commands.register({
    name: 'resource:report',
    summary: "Show an app's resource limits",
    usage: 'APP',
    examples: ['paas resource:report blog', 'paas resource:report blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name!);
      if (flags.format === 'json') {
        return writeJson(
          stdout,
          Object.fromEntries(SUPPORTED_TYPES.map((type) => {
            const limits = resourceLimits(store.properties, app.id, type);
            return [type, { memory: limits.memory ?? null, cpu: limits.cpu ?? null }];
          })),
        );
      }
      stdout.write(renderReport(`${app.name} resource information`, resourceRows(api, app.id)));
    },
  });
}
