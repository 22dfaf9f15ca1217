// Longer than 300 lines: the ps:* commands; each is short, and they share the same lookups and output.
import type { Writable } from 'node:stream';
import { requireApp, requireAppOrAll } from '../../core/app-lookup.js';
import type { CommandContext } from '../../core/command.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { writeJson, writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import { STOPPED } from '../converger.js';
import { FORCE_BUILD_FLAG } from '../deployer.js';
import { DeployLog } from '../deploy-log.js';
import { publishedPorts } from '../../proxy/app-state.js';
import { EVERY_APP_FLAGS, cpuCount, forEachApp, parallelism, targetApps } from '../../core/every-app.js';
import { pendingScale, setPendingScale, stopTimeout } from '../deploy-settings.js';
import { PS_PROPERTIES } from '../deploy-topics.js';
import { changedTypes, describeFormation, managedByAppJson, parseScale, scaled } from '../formation.js';
import { appJsonOf } from '../app-json.js';
import type { DeployServices } from '../services.js';
import type { AppRow } from '../../store/apps.js';
import { schedulerOf } from '../scheduler-topics.js';

export function registerPsCommands(services: DeployServices): void {
  const { api, scheduler, converger, locks, releases } = services;
  const describeCounts = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([t, c]) => `${t}=${c}`)
      .join(' ');
  const { commands, store } = api;

  commands.register({
    name: 'ps:scale',
    summary: 'Set how many containers of each process type run (no counts: print them)',
    usage: '[--skip-deploy] APP [TYPE=COUNT...]',
    description:
      'Only the types named start or stop containers; the others keep running, unchecked. Before the\n' +
      'first deploy, or with --skip-deploy, the counts are stored and the next deploy applies them.\n' +
      'A first deploy runs one web container and no other type until it is scaled. Refused while app.json\n' +
      '"formation" sets quantities (it decides the counts then).',
    examples: ['paas ps:scale blog web=2 worker=1', 'paas ps:scale --skip-deploy blog worker=1', 'paas ps:scale blog --format json'],
    flags: {
      'skip-deploy': { type: 'boolean', description: 'store the counts for the next deploy; change nothing that runs' },
      format: { type: 'string', description: 'output format of the counts', choices: ['stdout', 'json'], placeholder: 'FORMAT' },
    },
    arity: [1, Infinity],
    async handler({ args: [name, ...pairs], flags, stdout }) {
      const app = requireApp(store, name);
      const current = store.releases.current(app.id);
      const pending = pendingScale(store.properties, app.id);
      if (pairs.length === 0) {
        const counts = { ...Object.fromEntries(Object.entries(current?.formation ?? {}).map(([t, f]) => [t, f.count])), ...pending };
        if (flags.format === 'json') {
          return writeJson(
            stdout,
            Object.entries(counts).map(([type, quantity]) => ({ process_type: type, quantity })),
          );
        }
        writeLine(stdout, `-----> Scaling for ${app.name}`);
        writeLine(stdout, 'proctype: qty');
        writeLine(stdout, '--------: ---');
        for (const [type, count] of Object.entries(counts)) writeLine(stdout, `${type}: ${count}`);
        return;
      }
      if (current && managedByAppJson(appJsonOf(current).formation)) {
        throw new UserError(
          `${app.name}'s app.json "formation" sets its process counts; change them there (ps:scale is off while it does)`,
        );
      }
      if (!current || flags['skip-deploy'] === true) {
        const counts = parseScale(pairs);
        setPendingScale(store.properties, app.id, { ...pending, ...counts });
        const when = current ? 'the next deploy' : 'the first deploy';
        writeLine(stdout, `-----> Scale of ${app.name} stored for ${when}: ${describeCounts(counts)}`);
        return;
      }
      const counts = parseScale(pairs, current.formation);
      if ((counts.web ?? 0) > 1 && publishedPorts(store.properties, app.id).length) throw onePublishingWeb(app.name);
      await locks.withLock(app.id, app.name, 'scaling', async () => {
        const release = store.releases.current(app.id)!;
        const formation = scaled(release.formation, counts);
        const types = changedTypes(release.formation, formation);
        const log = new DeployLog(stdout);
        log.step(`Scaling ${app.name}: ${describeCounts(counts)}`);
        store.releases.setFormation(release.id, formation);
        if (converger.isStopped(app) || types.length === 0) return;
        try {
          await releases.scale(app, { ...release, formation }, types, log);
        } catch (error) {
          store.releases.setFormation(release.id, release.formation);
          throw error;
        }
      });
    },
  });

  // proxy:enable / proxy:disable: web containers that publish the app's ports, or stop doing so.
  api.events.on('proxy-publish-changed', async ({ app: name, output }) => {
    const app = requireApp(store, name);
    if (!store.releases.current(app.id) || converger.isStopped(app)) return;
    await locks.withLock(app.id, app.name, 'restarting', async () => {
      const release = store.releases.current(app.id)!;
      const web = release.formation.web?.count ?? 0;
      if (web === 0) return;
      if (web > 1 && publishedPorts(store.properties, app.id).length) throw onePublishingWeb(app.name);
      const log = new DeployLog(output);
      log.step(`Replacing the web containers of ${app.name} (v${release.version})`);
      await releases.rollOut(app, release, log, 'web');
    });
  });

  registerTopic(
    api,
    {
      topic: 'ps',
      namespace: 'ps',
      properties: PS_PROPERTIES,
      unprefixed: (key) => ['deployed', 'processes', 'restore', 'running', 'status'].includes(key) || key.startsWith('status-'),
      async fields(app) {
        const release = store.releases.current(app.id);
        const processes = (await services.processesOf(app)).filter((p) => !release || p.release === release.version);
        const fields: Record<string, string> = {
          deployed: String(release !== undefined),
          processes: String(Object.values(release?.formation ?? {}).reduce((sum, spec) => sum + spec.count, 0)),
          running: String(processes.some((p) => p.running)),
          // Dokku's `--restore` is the effective value (true unless set to false).
          restore: String(converger.restores(app)),
          status: !release ? 'not deployed' : converger.isStopped(app) ? 'stopped' : 'running',
          release: release ? `v${release.version}` : '',
          scale: release ? describeFormation(release.formation) : '',
        };
        for (const p of processes)
          fields[`status-${p.type}-${p.index}`] = `${p.running ? 'running' : 'stopped'} (${p.name}${p.node && p.ip ? ` on ${p.ip}` : ''})`;
        return fields;
      },
    },
    {
      reportSummary: "Show an app's processes and their state",
      reportExampleKey: 'release',
      setDescription: "How the app's containers run; restart-policy and stop-timeout-seconds apply from the next deploy or ps:restart.",
      setExamples: [
        'paas ps:set blog restart-policy always',
        'paas ps:set blog stop-timeout-seconds 30',
        'paas ps:set blog procfile-path deploy/Procfile',
        'paas ps:set blog restore false',
      ],
    },
  );

  commands.register({
    name: 'ps:inspect',
    summary: "Show docker inspect of an app's containers, with config values redacted",
    usage: 'APP',
    description:
      "The values of the app's config vars are replaced by <redacted>, so the output can be shared. " +
      'For an app on the swarm scheduler it shows its Swarm services (its tasks may run on other servers).',
    examples: ['paas ps:inspect blog'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const app = requireApp(store, name);
      const release = store.releases.current(app.id);
      const secrets = new Set(Object.keys(release?.config ?? {}));
      if (schedulerOf(store.properties, app) === 'swarm') {
        return writeJson(
          stdout,
          (await services.swarm.services(app.id)).map((service) => redactServiceEnv(service, secrets)),
        );
      }
      const infos = await Promise.all(
        (await scheduler.list(app.id)).map((p) =>
          services.docker
            .getContainer(p.id)
            .inspect()
            .catch(() => undefined),
        ),
      );
      writeJson(
        stdout,
        infos.filter((info) => info !== undefined).map((info) => redactInspect(info, secrets)),
      );
    },
  });

  commands.register({
    name: 'ps:restore',
    summary: 'Start the containers of every app (or one) that was not stopped with ps:stop, e.g. after a reboot',
    usage: '[APP]',
    description:
      'The daemon does this by itself when it starts and when Docker comes back; this runs it now.\n' +
      'Apps with `ps:set APP restore false` are skipped (after a reboot they stay stopped until ps:start).',
    examples: ['paas ps:restore', 'paas ps:restore blog'],
    arity: [0, 1],
    async handler({ args: [name], stdout }) {
      const apps = requireAppOrAll(store, name);
      for (const app of apps) {
        if (!store.releases.current(app.id) || converger.isStopped(app)) continue;
        if (!converger.restores(app)) {
          writeLine(stdout, `-----> Skipping ${app.name}: its restore property is false (paas ps:set ${app.name} restore true)`);
          continue;
        }
        const result = await locks.withLock(app.id, app.name, 'restoring', () => converger.converge(app));
        writeLine(stdout, `-----> Restored ${app.name} (${result.started + result.restarted} containers started)`);
      }
    },
  });

  const restart = (app: AppRow, type: string | undefined, stdout: Writable) =>
    locks.withLock(app.id, app.name, 'restarting', async () => {
      const release = store.releases.current(app.id);
      if (!release) throw new UserError(`${app.name} is not deployed yet`);
      if (type !== undefined && !(type in release.formation)) {
        throw new UserError(`${app.name} has no process type "${printable(type)}"; it has: ${Object.keys(release.formation).join(', ')}`);
      }
      store.properties.set(app.id, STOPPED.namespace, STOPPED.key, undefined);
      const log = new DeployLog(stdout);
      log.step(`Restarting ${app.name}${type ? ` ${type}` : ''} (v${release.version})`);
      await releases.rollOut(app, release, log, type);
    });

  const stop = async (app: AppRow, stdout: Writable) => {
    await locks.withLock(app.id, app.name, 'stopping', async () => {
      store.properties.set(app.id, STOPPED.namespace, STOPPED.key, 'true');
      await converger.switchTo(app, []);
      await scheduler.retire(await scheduler.list(app.id), stopTimeout(store.properties, app.id));
      await services.swarm.remove(app.id);
    });
    writeLine(stdout, `-----> Stopped ${app.name}`);
  };

  const start = (app: AppRow, stdout: Writable) =>
    locks.withLock(app.id, app.name, 'starting', async () => {
      if (!store.releases.current(app.id)) throw new UserError(`${app.name} is not deployed yet`);
      store.properties.set(app.id, STOPPED.namespace, STOPPED.key, undefined);
      const result = await converger.converge(app);
      writeLine(stdout, `-----> Started ${app.name} (${result.started + result.restarted} containers started)`);
    });

  /**
   * `[--parallel N] [--all|APP] ...`: the action for the named app, or with --all for every
   * deployed app, N at a time.
   */
  const everyApp = async (ctx: CommandContext, usage: string, action: (app: AppRow, rest: string[]) => Promise<void>): Promise<void> => {
    const { apps, all, rest } = targetApps(store, ctx.args, ctx.flags, usage);
    const parallel = parallelism(ctx.flags.parallel, cpuCount());
    const targets = all ? apps.filter((app) => store.releases.current(app.id) !== undefined) : apps;
    await forEachApp(targets, parallel, ctx.stderr, (app) => action(app, rest));
  };

  commands.register({
    name: 'ps:restart',
    summary: 'Restart an app (or one process type) with zero downtime',
    usage: '[--parallel N] [--all|APP] [TYPE]',
    description: 'With --all every deployed app is restarted, one after the other unless --parallel says more.',
    examples: ['paas ps:restart blog', 'paas ps:restart blog worker', 'paas ps:restart --all --parallel 2'],
    flags: EVERY_APP_FLAGS,
    arity: [0, 2],
    async handler(ctx) {
      await everyApp(ctx, 'paas ps:restart [--parallel N] [--all|APP] [TYPE]', async (app, rest) => {
        if (rest.length > 1) throw new UserError('ps:restart takes one process TYPE');
        await restart(app, rest[0], ctx.stdout);
      });
    },
  });

  commands.register({
    name: 'ps:stop',
    summary: "Stop an app's containers; it stays stopped until ps:start",
    usage: '[--parallel N] [--all|APP]',
    examples: ['paas ps:stop blog', 'paas ps:stop --all'],
    flags: EVERY_APP_FLAGS,
    arity: [0, 1],
    async handler(ctx) {
      await everyApp(ctx, 'paas ps:stop [--parallel N] [--all|APP]', (app) => stop(app, ctx.stdout));
    },
  });

  commands.register({
    name: 'ps:start',
    summary: "Start an app's containers for its current release",
    usage: '[--parallel N] [--all|APP]',
    description: 'Containers that run already are left alone; an app stopped with ps:stop runs again.',
    examples: ['paas ps:start blog', 'paas ps:start --all --parallel -1'],
    flags: EVERY_APP_FLAGS,
    arity: [0, 1],
    async handler(ctx) {
      await everyApp(ctx, 'paas ps:start [--parallel N] [--all|APP]', (app) => start(app, ctx.stdout));
    },
  });

  commands.register({
    name: 'ps:rebuild',
    summary: 'Build the current code again and deploy it',
    usage: '[--force] [--parallel N] [--all|APP]',
    description: 'When the source tree and the build settings are unchanged, the last image is reused; --force builds anyway.',
    examples: ['paas ps:rebuild blog', 'paas ps:rebuild blog --force', 'paas ps:rebuild --all'],
    flags: { ...FORCE_BUILD_FLAG, ...EVERY_APP_FLAGS },
    arity: [0, 1],
    async handler(ctx) {
      const deploy = commands.resolve('deploy');
      await everyApp(ctx, 'paas ps:rebuild [--force] [--parallel N] [--all|APP]', async (app) => {
        await deploy.handler({ ...ctx, args: [app.name], flags: { force: ctx.flags.force } });
      });
    },
  });
}

/** A host port is published once: an app whose proxy is disabled runs one web container. */
function onePublishingWeb(app: string): UserError {
  return new UserError(
    `${app}'s proxy is disabled, so its web container publishes host ports, which only one container can do: ` +
      `paas ps:scale ${app} web=1 (or paas proxy:enable ${app})`,
  );
}

/** docker inspect output with the values of the app's config vars replaced. Pure. */
export function redactInspect<T extends { Config?: { Env?: string[] } }>(info: T, secrets: ReadonlySet<string>): T {
  const env = info.Config?.Env && redactEnv(info.Config.Env, secrets);
  return env ? { ...info, Config: { ...info.Config, Env: env } } : info;
}

/** A Swarm service's inspect data with the values of `secrets` in its task environment redacted. */
export function redactServiceEnv<T extends { Spec: { TaskTemplate?: { ContainerSpec?: { Env?: string[] } } } }>(
  service: T,
  secrets: ReadonlySet<string>,
): T {
  const template = service.Spec.TaskTemplate;
  const env = template?.ContainerSpec?.Env;
  if (!template || !env) return service;
  const containerSpec = { ...template.ContainerSpec, Env: redactEnv(env, secrets) };
  return { ...service, Spec: { ...service.Spec, TaskTemplate: { ...template, ContainerSpec: containerSpec } } };
}

function redactEnv(env: readonly string[], secrets: ReadonlySet<string>): string[] {
  return env.map((entry) => {
    const eq = entry.indexOf('=');
    return eq > 0 && secrets.has(entry.slice(0, eq)) ? `${entry.slice(0, eq)}=<redacted>` : entry;
  });
}
