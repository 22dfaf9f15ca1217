import type { Writable } from 'node:stream';
import { requireApp } from '../core/app-lookup.js';
import type { Actor } from '../core/command.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { Part, PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import { resolveMountHost } from '../storage/host-folder.js';
import { bindOf, parseMount } from '../storage/mount-spec.js';
import { PHASES, phaseOptions, savePhaseOptions, type Phase } from './app-options.js';
import { assertPhaseOptions, formatOption, parseOptions, sameOption, supportedList, type DockerOption } from './option-parser.js';

/** `deploy,run` into phases; Dokku's error for an unknown one. Pure. */
export function parsePhases(text: string): Phase[] {
  const phases = text.split(',').filter(Boolean);
  if (phases.length === 0) throw new UserError(`no phase given; use one or more of ${PHASES.join(', ')} (comma-separated)`);
  for (const phase of phases) {
    if (!(PHASES as readonly string[]).includes(phase)) {
      throw new UserError(`invalid phase "${printable(phase)}"; use one or more of ${PHASES.join(', ')} (comma-separated)`);
    }
  }
  return [...new Set(phases as Phase[])];
}

/** A network made with network:create, or throws; the network part says which exist. */
export type NetworkCheck = (name: string) => Promise<void>;

/**
 * Dokku's docker-options plugin: options for the containers of an app's deploy phase (processes,
 * deploy tasks) and run phase (run, run:detached, cron), checked and parsed into Docker's fields
 * when added (no shell ever sees them), applied to containers made from then on.
 */
export function dockerOptionsPart(checkNetwork: NetworkCheck): Part {
  return {
    name: 'docker-options',
    topics: ['docker-options'],
    after: ['network'],
    description: "docker-options:add, :remove, :clear, :report: extra Docker settings for an app's containers",
    register(api) {
      registerDockerOptions(api, checkNetwork);
    },
  };
}

function registerDockerOptions(api: PartApi, checkNetwork: NetworkCheck): void {
  const { commands, store, paths } = api;

  const context = (actor: Actor) => ({
    local: actor.transport === 'socket',
    // -v follows storage:mount's rules: a storage NAME from anyone, other folders from the server only.
    volume(spec: string) {
      const request = parseMount(spec);
      return bindOf({ host: resolveMountHost(paths, request, actor), container: request.container, readonly: request.readonly });
    },
  });

  const announce = (stdout: Writable, app: AppRow) =>
    writeLine(stdout, `       It applies to containers made from now on: paas ps:rebuild ${app.name} (or the next deploy)`);

  commands.register({
    name: 'docker-options:add',
    summary: "Add Docker options to an app's builds or containers, per phase (build, deploy, run)",
    usage: 'APP PHASE[,PHASE] OPTION...',
    description:
      'Each OPTION string may hold several options, quoted as in a shell (nothing is expanded). Supported in the deploy\n' +
      `and run phases: ${supportedList('deploy')}.\nIn the build phase (Dockerfile and buildpack builds): ${supportedList('build')}.\n` +
      '--privileged, --device, --network host and capabilities beyond the harmless ones only from the paas command\n' +
      'on the server. -v takes a storage name (storage:ensure-directory) or, from the server, a folder, as storage:mount does.\n' +
      'Options apply to containers made after the change: the next deploy, ps:rebuild or ps:restart.',
    examples: [
      'paas docker-options:add blog deploy "--label team=web"',
      'paas docker-options:add blog deploy,run "--ulimit nofile=4096" "--shm-size 256m"',
      'paas docker-options:add blog build "--build-arg NODE_ENV=production" "--memory 2g"',
    ],
    arity: [3, Infinity],
    passthroughAfter: 2,
    async handler({ args: [name, phaseText, ...inputs], actor, stdout }) {
      const app = requireApp(store, name);
      const phases = parsePhases(phaseText);
      const options = parseOptions(inputs, context(actor));
      for (const phase of phases) assertPhaseOptions(phase, options);
      for (const option of options) if (option.flag === 'network' && option.value !== 'host') await checkNetwork(option.value!);
      for (const phase of phases) {
        const current = phaseOptions(store.properties, app.id, phase);
        const added = options.filter((o, i) => !current.some((c) => sameOption(c, o)) && options.findIndex((x) => sameOption(x, o)) === i);
        savePhaseOptions(store.properties, app.id, phase, [...current, ...added]);
        for (const option of added) writeLine(stdout, `-----> Adding ${formatOption(option)} to ${app.name} (${phase})`);
        for (const option of options.filter((o) => !added.includes(o))) {
          writeLine(stdout, `       ${formatOption(option)} is already set for ${app.name} (${phase})`);
        }
      }
      announce(stdout, app);
    },
  });

  commands.register({
    name: 'docker-options:remove',
    summary: "Remove Docker options from an app's phases",
    usage: 'APP PHASE[,PHASE] OPTION...',
    description: 'An option matches when it reads the same as the stored one, however it is quoted.',
    examples: ['paas docker-options:remove blog deploy "--label team=web"'],
    arity: [3, Infinity],
    passthroughAfter: 2,
    handler({ args: [name, phaseText, ...inputs], stdout }) {
      const app = requireApp(store, name);
      const phases = parsePhases(phaseText);
      // -v as stored: the folder it named then (it may be gone since); other checks as for add.
      const options = parseOptions(inputs, { local: true, volume: (spec) => spec });
      const plans = phases.map((phase) => {
        const current = phaseOptions(store.properties, app.id, phase);
        const missing = options.filter((o) => !current.some((c) => matches(c, o)));
        if (missing.length) {
          throw new UserError(
            `${app.name} has no ${phase} option ${printable(formatOption(missing[0]))} (docker-options:report ${app.name})`,
          );
        }
        return { phase, kept: current.filter((c) => !options.some((o) => matches(c, o))) };
      });
      for (const { phase, kept } of plans) {
        savePhaseOptions(store.properties, app.id, phase, kept);
        for (const option of options) writeLine(stdout, `-----> Removing ${formatOption(option)} from ${app.name} (${phase})`);
      }
      announce(stdout, app);
    },
  });

  commands.register({
    name: 'docker-options:clear',
    summary: 'Remove all Docker options of an app (of every phase, or of the phases given)',
    usage: 'APP [PHASE[,PHASE]]',
    examples: ['paas docker-options:clear blog', 'paas docker-options:clear blog deploy,run'],
    arity: [1, 2],
    handler({ args: [name, phaseText], stdout }) {
      const app = requireApp(store, name);
      const phases = phaseText === undefined ? undefined : parsePhases(phaseText);
      if (phases === undefined) writeLine(stdout, `-----> Clearing docker-options for ${app.name} on all phases`);
      for (const phase of phases ?? PHASES) {
        if (phases) writeLine(stdout, `-----> Clearing docker-options for ${app.name} on phase ${phase}`);
        savePhaseOptions(store.properties, app.id, phase, []);
      }
    },
  });

  commands.register({
    name: 'docker-options:list',
    summary: "List an app's Docker options of one phase, one a line",
    usage: 'APP --phase PHASE',
    examples: ['paas docker-options:list blog --phase deploy'],
    flags: { phase: { type: 'string', description: 'the phase to list', choices: PHASES, placeholder: 'PHASE' } },
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      if (typeof flags.phase !== 'string') throw new UserError(`give the phase: paas docker-options:list ${app.name} --phase deploy`);
      for (const option of phaseOptions(store.properties, app.id, flags.phase as Phase)) writeLine(stdout, formatOption(option));
    },
  });

  const shown = (app: AppRow, phase: Phase) => phaseOptions(store.properties, app.id, phase).map(formatOption).join(' ');
  registerTopic(
    api,
    {
      topic: 'docker-options',
      title: 'docker options',
      namespace: 'docker-options',
      properties: [],
      fields: (app) => Object.fromEntries(PHASES.map((phase) => [phase, shown(app, phase)])),
    },
    { setCommand: false, reportSummary: "Show an app's Docker options per phase (build, deploy, run)", reportExampleKey: 'deploy' },
  );
}

/** A stored option matches a given one; a -v given as NAME:PATH matches the folder stored for it. */
function matches(stored: DockerOption, given: DockerOption): boolean {
  if (sameOption(stored, given)) return true;
  if (stored.flag !== 'volume' || given.flag !== 'volume') return false;
  const [host, ...rest] = given.value!.split(':');
  return !host.startsWith('/') && stored.value!.endsWith(`/${host}:${rest.join(':')}`);
}
