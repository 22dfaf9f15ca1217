import { PassThrough, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { requireApp } from '../../core/app-lookup.js';
import { flagValues } from '../../core/args.js';
import type { FlagSpec } from '../../core/command.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { writeLine } from '../../core/output.js';
import type { AppRow } from '../../store/apps.js';
import type { ReleaseRow } from '../../store/releases.js';
import { streamContainerLogs, streamLogs } from '../../docker/logs.js';
import { appContainerDefaults } from '../container-defaults.js';
import { execIn } from '../../docker/exec.js';
import { LABELS, containerName } from '../naming.js';
import { runOneOff } from '../one-off.js';
import { TTL_FLAG, expiryLabel, ttlSeconds } from '../one-off-ttl.js';
import { oneOffCommandLine, processCommand, processEnv } from '../process-env.js';
import type { ProcessContainer } from '../scheduler.js';
import type { DeployServices } from '../services.js';
import { schedulerOf } from '../scheduler-topics.js';
import { storageBinds } from '../../storage/app-mounts.js';
import { revEnvVar } from '../../git/git-settings.js';
import { phaseOverrides } from '../../docker-options/app-options.js';
import { applyOverrides } from '../../docker-options/container-overrides.js';

const RUN_FLAGS: Record<string, FlagSpec> = {
  env: {
    type: 'string',
    short: 'e',
    repeatable: true,
    description: 'an extra variable for this container (repeatable)',
    placeholder: 'KEY=VALUE',
  },
  'no-tty': { type: 'boolean', description: "do not give the command the caller's terminal (ssh -t)" },
  ...TTL_FLAG,
};

/** `--env KEY=VALUE` flags into Env entries; a bad one is refused before anything runs. */
export function extraEnv(flag: string | boolean | undefined): string[] {
  return flagValues(flag).map((pair) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair)) throw new UserError(`--env "${printable(pair)}" is not KEY=VALUE`);
    return pair;
  });
}

/** A one-word command naming a Procfile type runs that type's command, as in Dokku. */
function procfileCommand(release: ReleaseRow, command: readonly string[]): string {
  const type = command.length === 1 ? release.formation[command[0]] : undefined;
  return type?.command ?? oneOffCommandLine(command);
}

export function registerRunCommands(services: DeployServices): void {
  const { api, docker, scheduler } = services;
  const { commands, store } = api;

  const deployed = (name: string): { app: AppRow; release: ReleaseRow } => {
    const app = requireApp(store, name);
    const release = store.releases.current(app.id);
    if (!release) throw new UserError(`${app.name} is not deployed yet; push it first: git push paas main`);
    return { app, release };
  };
  /** Swarm apps: one-offs run here, on the manager, not on the nodes (said on stderr, stdout stays the command's). */
  const sayWhere = (app: AppRow, stderr: Writable) => {
    if (schedulerOf(store.properties, app) === 'swarm') {
      writeLine(stderr, `-----> ${app.name} runs on the swarm: this one-off container runs on this server (the manager), not on a node`);
    }
  };
  const oneOffLabels = (app: AppRow) => ({
    [LABELS.instance]: api.instance,
    [LABELS.app]: app.name,
    [LABELS.appId]: String(app.id),
    [LABELS.role]: 'one-off',
  });

  commands.register({
    name: 'run',
    summary: "Run a one-off command in a new container of the app, with the app's config",
    usage: '[--env KEY=VALUE]... [--no-tty] [--ttl-seconds N] APP COMMAND...',
    description:
      'Output and exit code are passed through; the container is removed after. Standard input is passed in;\n' +
      'over ssh -t the command gets your terminal (ssh -t -p 2222 paas@host run blog bash) unless --no-tty.\n' +
      'A COMMAND that names a Procfile type runs its command (paas run blog console).\n' +
      'The container is killed after --ttl-seconds (default 86400, a day).\n' +
      'For an app on the swarm scheduler the container runs on this server (the manager), with its linked services.',
    examples: [
      'paas run blog ls -la',
      'paas run blog \'psql "$DATABASE_URL" -c "select 1"\'',
      'paas run --env MODE=debug blog ./bin/task',
      'paas run --ttl-seconds 600 blog npm run mytask',
    ],
    flags: RUN_FLAGS,
    arity: [2, Infinity],
    passthroughAfter: 1,
    async handler({ args: [name, ...command], flags, stdout, stderr, stdin, signal, terminal }) {
      const { app, release } = deployed(name);
      const extra = extraEnv(flags.env);
      const ttl = ttlSeconds(flags['ttl-seconds']);
      sayWhere(app, stderr);
      return runOneOff(docker, {
        ttlSeconds: ttl,
        terminal: flags['no-tty'] === true ? undefined : terminal,
        name: containerName(api.instance, app.name, 'run', 1),
        image: release.image,
        cmd: processCommand(procfileCommand(release, command)),
        env: [...processEnv(release, 'run', 1, revEnvVar(store.properties, app.id)), ...extra],
        labels: oneOffLabels(app),
        network: scheduler.network,
        serviceNetworks: scheduler.serviceNetworks(app.id),
        binds: storageBinds(store.properties, app.id, 'run'),
        docker: phaseOverrides(store.properties, app.id, 'run'),
        stdout,
        stderr,
        stdin,
        signal,
      });
    },
  });

  commands.register({
    name: 'run:detached',
    summary: 'Run a one-off command in the background; prints the container name',
    usage: '[--env KEY=VALUE]... [--ttl-seconds N] APP COMMAND...',
    description:
      'The container is removed when the command ends, and stopped after --ttl-seconds (default 86400, a day;\n' +
      "checked every 30 seconds, so it may run up to that much longer). A swarm app's one-off runs on this server (the manager).",
    examples: [
      'paas run:detached blog ./bin/cleanup',
      'paas run:detached --env MODE=debug blog ./bin/task',
      'paas run:detached --ttl-seconds 600 blog ./bin/task',
    ],
    flags: { env: RUN_FLAGS.env, ...TTL_FLAG },
    arity: [2, Infinity],
    passthroughAfter: 1,
    async handler({ args: [name, ...command], flags, stdout, stderr }) {
      const { app, release } = deployed(name);
      sayWhere(app, stderr);
      const env = [...processEnv(release, 'run', 1, revEnvVar(store.properties, app.id)), ...extraEnv(flags.env)];
      const ttl = ttlSeconds(flags['ttl-seconds']);
      const overrides = phaseOverrides(store.properties, app.id, 'run');
      const container = await docker.createContainer(
        applyOverrides(
          {
            name: containerName(api.instance, app.name, 'run', 1),
            Image: release.image,
            Cmd: processCommand(procfileCommand(release, command)),
            Env: env,
            Labels: { ...oneOffLabels(app), ...expiryLabel(ttl) },
            HostConfig: {
              NetworkMode: scheduler.network,
              AutoRemove: true,
              ...appContainerDefaults(storageBinds(store.properties, app.id, 'run')),
            },
          },
          overrides,
        ),
      );
      if (!overrides?.hostNetwork) await scheduler.syncNetworks(container.id, app.id, [scheduler.network]);
      await container.start();
      const info = await container.inspect().catch(() => undefined);
      writeLine(stdout, info?.Name.replace(/^\//, '') ?? container.id);
    },
  });

  commands.register({
    name: 'enter',
    summary: 'Run a command inside a running container of the app (default: a shell reading stdin)',
    usage: 'APP [TYPE[.N]] [COMMAND...]',
    examples: ['paas enter blog web.1 ls /', "echo 'ps' | paas enter blog"],
    arity: [1, Infinity],
    passthroughAfter: 1,
    async handler({ args: [name, ...rest], stdout, stderr, stdin, signal, terminal }) {
      const { app, release } = deployed(name);
      const target = /^([A-Za-z0-9][A-Za-z0-9_-]*)(?:\.(\d+))?$/.exec(rest[0] ?? '');
      const isTarget = target !== null && target[1] in release.formation;
      const type = isTarget ? target[1] : 'web' in release.formation ? 'web' : Object.keys(release.formation)[0];
      const index = isTarget && target[2] ? Number(target[2]) : 1;
      const command = isTarget ? rest.slice(1) : rest;
      if (schedulerOf(api.store.properties, app) === 'swarm') {
        throw new UserError(
          `${app.name} runs on the swarm scheduler: its tasks may run on other servers, which paas cannot enter; ` +
            `paas run ${app.name} starts a one-off container of the release on this server`,
        );
      }
      const process = (await scheduler.list(app.id)).find(
        (p) => p.release === release.version && p.type === type && p.index === index && p.running,
      );
      if (!process) throw new UserError(`${app.name} has no running ${type}.${index}; see: paas ps:report ${app.name}`);
      const shell = command.length ? ['/bin/sh', '-c', oneOffCommandLine(command)] : ['/bin/sh'];
      // Buildpack images start through their launcher (/start), which loads .profile.d first.
      const entrypoint = (await docker.getContainer(process.id).inspect()).Config.Entrypoint;
      const launcher = Array.isArray(entrypoint) && entrypoint[0] === '/start' ? entrypoint : [];
      return execIn(docker, process.id, { cmd: [...launcher, ...shell], stdout, stderr, stdin, signal, terminal });
    },
  });

  commands.register({
    name: 'logs',
    summary: "Show the app's logs, from all its containers (-t follows them)",
    usage: 'APP [-t] [-n N] [-p TYPE]',
    examples: ['paas logs blog -t', 'paas logs blog -n 50 -p worker'],
    flags: {
      tail: { type: 'boolean', short: 't', description: 'keep following new lines' },
      num: { type: 'string', short: 'n', description: 'lines to show from each container (default 100)', placeholder: 'N' },
      ps: { type: 'string', short: 'p', description: 'only this process type', placeholder: 'TYPE' },
    },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout, signal }) {
      const { app, release } = deployed(name);
      const lines = flags.num === undefined ? 100 : Number(flags.num);
      if (!Number.isInteger(lines) || lines < 0) throw new UserError('-n must be a whole number of lines');
      const processes = (await services.processesOf(app)).filter(
        (p) => p.release === release.version && (flags.ps === undefined || p.type === flags.ps),
      );
      if (processes.length === 0) {
        throw new UserError(
          `${app.name} has no ${flags.ps ? `${printable(String(flags.ps))} ` : ''}containers; see: paas ps:report ${app.name}`,
        );
      }
      await Promise.all(
        processes.map(async (process) => {
          const out = prefixer(app.name, process, stdout);
          const options = { tail: lines, follow: flags.tail === true, out, signal };
          if (process.task) {
            const task = docker.getTask(process.task) as unknown as { logs(o: object): Promise<unknown> }; // dockerode's Task type lacks logs()
            await streamLogs((follow) => task.logs({ stdout: true, stderr: true, tail: lines, follow }), options);
          } else {
            await streamContainerLogs(docker, process.id, options);
          }
          out.end();
        }),
      );
    },
  });
}

/** Heroku's log layout: `app[web.1]: line`. */
function prefixer(app: string, process: ProcessContainer, out: Writable): PassThrough {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const prefix = `${app}[${process.type}.${process.index}]: `;
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const line of parts) out.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => {
    pending += decoder.end();
    if (pending) out.write(`${prefix}${pending}\n`);
  });
  return stream;
}
