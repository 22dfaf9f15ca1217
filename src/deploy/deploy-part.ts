// Longer than 300 lines: it wires the deploy services to events, timers and commands; each block is short, the list is long.
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../core/output.js';
import { renderReport } from '../core/reports.js';
import type { Part } from '../core/part.js';
import type { BuildRow } from '../store/builds.js';
import { ensureNginxUser } from '../proxy/nginx-worker.js';
import { deployCurrentRevision, registerAppCommands } from './commands/app.js';
import { registerLogsCommands } from './commands/logs.js';
import { watchContainerEvents } from '../docker/events.js';
import { FORCE_BUILD_FLAG, removeLeftoverSources } from './deployer.js';
import { followBuildLog } from './follow-build-log.js';
import { SWARM_BRIDGE_NETWORK, applyFirewall, removeFirewall } from './firewall.js';
import { bridgeOf } from './networks.js';
import { imageRepository } from './naming.js';
import { LivenessMonitor } from './liveness.js';
import { reapExpiredOneOffs } from './one-off-ttl.js';
import { registerPsCommands } from './commands/ps.js';
import { registerStatsCommands } from './commands/stats.js';
import { schedulerOf } from './scheduler-topics.js';
import { localRegistryAddress, usesLocalRegistry } from './image-registry.js';
import { registerSwarmCommands } from './commands/swarm.js';
import { registerNodesCommands } from './commands/nodes.js';
import { registerChecksCommands } from './commands/checks.js';
import { CronRunner } from './cron.js';
import { registerCronCommands } from './commands/cron.js';
import { APP_JSON_PROPERTIES } from './deploy-topics.js';
import { registerTopic } from '../core/property-commands.js';
import { registerReleaseCommands } from './commands/releases.js';
import { registerGitUnlockCommand } from './commands/git-unlock.js';
import { registerResourceCommands } from './commands/resource.js';
import { registerRunCommands } from './commands/run.js';
import { registerRunListCommands } from './commands/run-list.js';
import { createDeployServices, type DeployServices } from './services.js';
import { appUrls } from './urls.js';

const RECONCILE_EVERY_MS = 30_000;
/** How often nginx is brought in line with the swarm apps' tasks (a node that went away, a task Swarm moved). */
const SWARM_WATCH_MS = 2000;

/** Builds, releases and the containers that run them: deploy, builds:*, releases, ps:*, run, logs. */
export function deployPart(): Part {
  let services: DeployServices;
  let watcher: { stop(): void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let swarmTimer: NodeJS.Timeout | undefined;
  /** Whether the firewall was set up (or found impossible); Docker may come up after the daemon. */
  let hostProtected = false;
  /** docker_gwbridge's bridge when the rules were set: they are set again when it comes (swarm starts) or goes. */
  let swarmBridge: string | undefined;
  let liveness: LivenessMonitor | undefined;
  let cron: CronRunner;
  return {
    name: 'deploy',
    description: 'the deploy pipeline, releases and the docker-local scheduler',
    register(partApi) {
      services = createDeployServices(partApi);
      const { docker, scheduler, deployer } = services;
      const { commands, events, store, paths, reports } = partApi;

      events.on('git-receive', async ({ app, rev, gitEnv, output, actor, codeTrust, signal, force }) => {
        await deployer.deploy({ app: requireApp(store, app), source: { rev, gitEnv, codeTrust }, output, actor, signal, force });
      });

      events.on('app-destroy', async ({ app }) => {
        const row = requireApp(store, app);
        await services.converger.switchTo(row, []);
        await scheduler.removeNow(await scheduler.list(row.id));
        await services.swarm.remove(row.id);
        const images = await docker.listImages({
          filters: { reference: [`${imageRepository(partApi.instance, row.name)}`] },
        });
        for (const image of images)
          await docker
            .getImage(image.Id)
            .remove({ force: true })
            .catch(() => undefined);
        for (const build of store.builds.forApp(row.id)) rmSync(join(paths.buildLogs, `${build.id}.log`), { force: true });
      });

      events.on('app-networks-changed', async ({ app }) => {
        const row = store.apps.find(app);
        if (row) await scheduler.syncAppNetworks(row.id);
      });

      reports.add('deploy information', async (app) => {
        const row = store.apps.find(app);
        const release = row && store.releases.current(row.id);
        return [
          ['Deploy current release', release ? `v${release.version} (${release.description})` : 'none'],
          ['Deploy urls', row && release ? (await appUrls(partApi.urls, scheduler, row, release)).join(' ') : ''],
        ];
      });

      commands.register({
        name: 'deploy',
        summary: 'Build and deploy the current revision of the deploy branch again',
        usage: '[--force] APP',
        description: 'When the source tree and the build settings are unchanged, the last image is reused; --force builds anyway.',
        examples: ['paas deploy blog', 'paas deploy blog --force'],
        flags: FORCE_BUILD_FLAG,
        arity: [1, 1],
        async handler({ args: [name], flags, stdout, actor, signal }) {
          const app = requireApp(store, name);
          await deployCurrentRevision(services, app, { output: stdout, actor: actor.name, signal, force: flags.force === true });
        },
      });

      commands.register({
        name: 'builds:list',
        summary: "List an app's builds",
        usage: 'APP',
        examples: ['paas builds:list blog'],
        flags: FORMAT_FLAG,
        arity: [1, 1],
        handler({ args: [name], flags, stdout }) {
          const app = requireApp(store, name);
          const builds = store.builds.forApp(app.id);
          if (flags.format === 'json') return writeJson(stdout, builds);
          stdout.write(
            renderTable(
              ['ID', 'STATUS', 'REV', 'STARTED', 'BY'],
              builds.map((b) => [String(b.id), b.status, (b.gitRev ?? '').slice(0, 7), b.startedAt, b.actor]),
            ),
          );
        },
      });

      commands.register({
        name: 'builds:output',
        summary: "Print a build's log (default: the latest build)",
        usage: 'APP [ID] [-t]',
        description: 'With -t (--tail) and a build that is running, its log is followed until the build ends.',
        examples: ['paas builds:output blog', 'paas builds:output blog 12', 'paas builds:output blog -t'],
        flags: { tail: { type: 'boolean', short: 't', description: 'follow a running build until it ends' } },
        arity: [1, 2],
        async handler({ args: [name, id], flags, stdout, signal }) {
          const app = requireApp(store, name);
          const builds = store.builds.forApp(app.id);
          const build = id === undefined ? builds[0] : builds.find((b) => String(b.id) === id);
          if (!build) {
            throw new UserError(
              id === undefined
                ? `${app.name} has no builds yet`
                : `${app.name} has no build "${printable(id)}"; see: paas builds:list ${app.name}`,
            );
          }
          const file = join(paths.buildLogs, `${build.id}.log`);
          if (flags.tail === true) {
            const running = () => store.builds.get(build.id)?.status === 'running';
            return followBuildLog(file, running, stdout, signal);
          }
          stdout.write(existsSync(file) ? readFileSync(file) : '');
        },
      });

      commands.register({
        name: 'builds:info',
        summary: 'Show one build: status, source, times, builder, image and log file',
        usage: 'APP ID [--format json]',
        examples: ['paas builds:info blog 12', 'paas builds:info blog 12 --format json'],
        flags: FORMAT_FLAG,
        arity: [2, 2],
        handler({ args: [name, id], flags, stdout }) {
          const app = requireApp(store, name);
          const build = store.builds.forApp(app.id).find((b) => String(b.id) === id);
          if (!build) throw new UserError(`${app.name} has no build "${printable(id)}"; see: paas builds:list ${app.name}`);
          const info = buildInfo(build, app.name, join(paths.buildLogs, `${build.id}.log`));
          if (flags.format === 'json') return writeJson(stdout, info);
          stdout.write(
            renderReport(`Build ${build.id}`, [
              ['Build ID', String(info.id)],
              ['App', info.app],
              ['Kind', info.kind],
              ['Status', info.status],
              ['Source', info.source],
              ['Started', info.started_at],
              ['Finished', info.finished_at ?? ''],
              ['Duration', info.duration ?? ''],
              ['Builder', info.builder ?? ''],
              ['Image', info.image ?? ''],
              ['By', info.actor],
              ['Log', info.log_path],
            ]),
          );
        },
      });

      commands.register({
        name: 'builds:cancel',
        summary: "Stop an app's running build or deploy (what was serving keeps serving)",
        usage: 'APP',
        examples: ['paas builds:cancel blog'],
        arity: [1, 1],
        handler({ args: [name], stdout }) {
          const app = requireApp(store, name);
          writeLine(
            stdout,
            deployer.cancel(app.id) ? `-----> Canceling the running build of ${app.name}` : `-----> No build of ${app.name} is running`,
          );
        },
      });

      commands.register({
        name: 'urls',
        summary: 'Print the URLs an app answers on',
        usage: 'APP',
        examples: ['paas urls blog'],
        arity: [1, 1],
        async handler({ args: [name], stdout }) {
          const app = requireApp(store, name);
          const release = store.releases.current(app.id);
          const urls = release ? await appUrls(partApi.urls, scheduler, app, release) : [];
          if (urls.length === 0) throw new UserError(`${app.name} is not running; deploy it with: git push paas main`);
          for (const url of urls) writeLine(stdout, url);
        },
      });

      registerReleaseCommands(services);
      registerGitUnlockCommand(services);
      registerPsCommands(services);
      registerStatsCommands(services);
      registerSwarmCommands(services);
      registerNodesCommands(services);
      registerChecksCommands(services);
      cron = new CronRunner(partApi, scheduler);
      registerCronCommands(services, cron);
      // A new release may bring new cron tasks; an app gone or renamed takes its own.
      events.on('post-deploy', () => cron.sync());
      events.on('post-delete', () => cron.sync());
      events.on('app-rename', () => cron.sync());
      registerTopic(
        partApi,
        { topic: 'app-json', namespace: 'app-json', properties: APP_JSON_PROPERTIES },
        {
          setDescription: "Where a deploy finds the app.json (Dokku's app-json plugin).",
          setExamples: ['paas app-json:set blog appjson-path deploy/app.json', 'paas app-json:set blog appjson-path'],
        },
      );
      registerAppCommands(services);
      registerRunCommands(services);
      registerLogsCommands(partApi);
      registerRunListCommands(services);
      registerResourceCommands(partApi, () =>
        docker.info().then(
          (info: { NCPU?: number }) => info.NCPU ?? availableParallelism(),
          () => availableParallelism(),
        ),
      );
    },

    async start() {
      const { api, scheduler, converger, docker } = services;
      const interrupted = api.store.builds.failInterrupted();
      if (interrupted) api.logger.warn({ interrupted }, 'marked builds interrupted by a restart as failed');
      const leftovers = removeLeftoverSources(api.paths.tmp);
      if (leftovers) api.logger.info({ leftovers }, 'removed the sources of interrupted builds');
      try {
        await scheduler.ensureNetwork();
        ({ done: hostProtected, swarmBridge } = await protectHost(services));
        await converger.restoreAll();
        // Containers adopted from before the restart: on exactly their links' networks.
        await scheduler.syncNetworksOfApps(new Set(api.store.apps.list().map((app) => app.id)));
      } catch (error) {
        api.logger.warn({ err: error }, 'Docker Engine not reachable; deploys will fail until it runs');
      }
      watcher = watchContainerEvents(
        docker,
        api.instance,
        api.logger,
        (appId) => {
          const app = api.store.apps.list().find((a) => a.id === appId);
          if (app) void converger.convergeIfFree(app);
        },
        () => void converger.restoreAll().catch(() => undefined),
        () => converger.dockerWentAway(),
      );
      timer = setInterval(() => {
        void (async () => {
          if (hostProtected && (await bridgeOf(docker, SWARM_BRIDGE_NETWORK)) === swarmBridge) return;
          await scheduler.ensureNetwork();
          ({ done: hostProtected, swarmBridge } = await protectHost(services));
        })().catch(() => undefined);
        void converger.convergeAll().catch(() => undefined);
        void reapExpiredOneOffs(docker, api.instance).then(
          (names) => names.length && api.logger.info({ containers: names }, 'stopped one-off containers past their --ttl-seconds'),
          () => undefined,
        );
      }, RECONCILE_EVERY_MS);
      swarmTimer = setInterval(() => {
        for (const app of api.store.apps.list()) {
          if (schedulerOf(api.store.properties, app) === 'swarm') void converger.convergeIfFree(app);
        }
      }, SWARM_WATCH_MS);
      swarmTimer.unref();
      timer.unref();
      liveness = new LivenessMonitor(api, scheduler, services.locks);
      liveness.start();
      // The nodes pull from paas's registry whenever Swarm starts a task, not only during deploys.
      if (usesLocalRegistry(api.store.properties)) {
        try {
          await services.swarm.ensureLocalRegistry(localRegistryAddress(api.store.properties));
        } catch (error) {
          api.logger.warn({ err: error }, "paas's registry could not start; the next swarm deploy tries again");
        }
      }
      cron.sync();
    },

    async stop() {
      watcher?.stop();
      liveness?.stop();
      cron.stop();
      clearInterval(timer);
      clearInterval(swarmTimer);
      await services.swarm.localRegistry.stop();
      await removeFirewall(services.api.instance);
    },
  };
}

/**
 * Containers may reach nginx on the host, nothing else there; only root and nginx reach them
 * (see firewall.ts). False while Docker has no paas network yet: the daemon tries again later.
 */
async function protectHost({ api, docker, scheduler }: DeployServices): Promise<{ done: boolean; swarmBridge?: string }> {
  const appBridge = await bridgeOf(docker, scheduler.network);
  if (!appBridge) return { done: false };
  const swarmBridge = await bridgeOf(docker, SWARM_BRIDGE_NETWORK);
  try {
    const warn = (message: string, error: unknown) => api.logger.warn({ err: error }, message);
    const hostUids = process.getuid?.() === 0 ? [0, (await ensureNginxUser(warn)).uid] : [];
    const openPorts = [api.settings.httpPort, api.settings.httpsPort];
    await applyFirewall({ instance: api.instance, appBridge, openPorts, hostUids, swarmBridge });
  } catch (error) {
    api.logger.warn(
      { err: error },
      "could not set paas's iptables rules: app containers can reach the daemon's API and SSH ports and the host's other services",
    );
  }
  return { done: true, swarmBridge };
}

/** builds:info: one build, with Dokku's field names in JSON. */
function buildInfo(build: BuildRow, app: string, logPath: string) {
  const seconds = build.finishedAt ? Math.round((Date.parse(build.finishedAt) - Date.parse(build.startedAt)) / 1000) : undefined;
  return {
    id: build.id,
    app,
    kind: 'deploy',
    status: build.status,
    source: build.gitRev ? `git ${build.gitRev}` : 'image',
    started_at: build.startedAt,
    finished_at: build.finishedAt,
    duration: seconds === undefined ? null : `${Math.floor(seconds / 60)}m${seconds % 60}s`,
    builder: build.builder,
    image: build.image,
    actor: build.actor,
    log_path: logPath,
  };
}
