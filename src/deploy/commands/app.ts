import type { Writable } from 'node:stream';
import { requireApp } from '../../core/app-lookup.js';
import { APP_LOCK, createApp } from '../../core/apps.js';
import { UserError } from '../../core/errors.js';
import { assertAppName } from '../../core/names.js';
import { writeLine } from '../../core/output.js';
import { deployBranches } from '../../git/deploy-branch.js';
import { branchRevision, repoPath } from '../../git/repositories.js';
import { git } from '../../git/run-git.js';
import type { AppRow } from '../../store/apps.js';
import type { DeployServices } from '../services.js';

/**
 * Settings apps:clone leaves behind (a namespace, or one key of it): as Dokku, the domains and
 * certificates (and their letsencrypt state); and the source's own state: its lock, stopped
 * flag, build to reuse, nginx upstreams, cleared nginx config, and the proxy ports nginx serves
 * it on with domains disabled (another app's alone; the proxy part picks new ones). Everything
 * else is copied: proxy and domains disabled, ports (not https:443), ps settings, docker
 * options, storage mounts, networks, scheduler, checks, nginx, resources, builder, git, cron.
 */
const NOT_CLONED: ReadonlyArray<readonly [string, string?]> = [
  ['domains', 'vhosts'],
  ['domains', 'global-vhost'],
  ['certs'],
  ['letsencrypt'],
  ['build-reuse'],
  ['apps'],
  ['ps', 'stopped'],
  ['proxy', 'upstreams'],
  ['proxy', 'config-cleared'],
  ['proxy', 'proxy-port'],
  ['proxy', 'proxy-ssl-port'],
];
const notCloned = (namespace: string, key: string): boolean =>
  NOT_CLONED.some(([ns, k]) => ns === namespace && (k === undefined || k === key));

/** Builds and deploys the app's deploy branch as it is in its repository (deploy, apps:clone). */
export async function deployCurrentRevision(
  services: DeployServices,
  app: AppRow,
  options: { output: Writable; actor: string; signal: AbortSignal; force?: boolean },
): Promise<void> {
  const { store, paths } = services.api;
  const repo = repoPath(paths, app.name);
  let rev: string | undefined;
  for (const branch of deployBranches(store, app.id)) rev ??= await branchRevision(repo, branch);
  if (!rev) throw new UserError(`${app.name} has no code yet; push it first: git push paas main`);
  const source = { rev, gitEnv: { GIT_DIR: repo }, codeTrust: 'remote' as const };
  await services.deployer.deploy({
    app,
    source,
    output: options.output,
    actor: options.actor,
    signal: options.signal,
    force: options.force === true,
  });
}

/** apps:clone, apps:lock, apps:unlock, apps:locked. */
export function registerAppCommands(services: DeployServices): void {
  const { api } = services;
  const { commands, store, events, paths } = api;
  const locked = (app: AppRow) => store.properties.get(app.id, APP_LOCK.namespace, APP_LOCK.key) === 'true';

  commands.register({
    name: 'apps:lock',
    summary: 'Refuse deploys of an app (pushes, deploy, ps:rebuild) until apps:unlock',
    usage: 'APP',
    examples: ['paas apps:lock blog'],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      const app = requireApp(store, name);
      store.properties.set(app.id, APP_LOCK.namespace, APP_LOCK.key, 'true');
      writeLine(stdout, '-----> Deploy lock created');
    },
  });

  commands.register({
    name: 'apps:unlock',
    summary: 'Allow deploys of a locked app again',
    usage: 'APP',
    examples: ['paas apps:unlock blog'],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      const app = requireApp(store, name);
      if (!locked(app)) throw new UserError(`${app.name} is not locked`);
      store.properties.set(app.id, APP_LOCK.namespace, APP_LOCK.key, undefined);
      writeLine(stdout, '-----> Deploy lock removed');
    },
  });

  commands.register({
    name: 'apps:locked',
    summary: 'Exit 0 if an app is locked for deploys, 1 if not',
    usage: 'APP',
    examples: ['paas apps:locked blog && echo locked'],
    arity: [1, 1],
    handler({ args: [name], stdout, stderr }) {
      const app = requireApp(store, name);
      if (locked(app)) {
        writeLine(stdout, 'Deploy lock exists');
        return 0;
      }
      writeLine(stderr, 'Deploy lock does not exist');
      return 1;
    },
  });

  commands.register({
    name: 'apps:clone',
    summary: 'Copy an app (code, config vars, settings) to a new app and deploy it',
    usage: '[--skip-deploy] [--ignore-existing] OLD NEW',
    description:
      'Domains, certificates and https:443 port mappings are not copied; the settings are (ports, proxy and\n' +
      'domains disabled, docker options, storage mounts, networks, scheduler...), and linked databases are\n' +
      'linked to the copy too. An app whose proxy is disabled publishes host ports the copy cannot share:\n' +
      'clone it with --skip-deploy, then give the copy its own ports (ports:set) and deploy it.\n' +
      'The new app is deployed from the deploy branch of the old one unless --skip-deploy is given.',
    examples: ['paas apps:clone blog blog-staging', 'paas apps:clone --skip-deploy blog blog-staging'],
    flags: {
      'skip-deploy': { type: 'boolean', description: 'copy without deploying the new app' },
      'ignore-existing': { type: 'boolean', description: 'exit 0 with a warning when NEW exists already' },
    },
    arity: [2, 2],
    async handler({ args: [oldName, newName], flags, stdout, stderr, actor, signal }) {
      const from = requireApp(store, oldName);
      assertAppName(newName);
      if (store.apps.find(newName)) {
        if (flags['ignore-existing']) {
          writeLine(stderr, `warning: app "${newName}" already exists; nothing cloned`);
          return 0;
        }
        throw new UserError(`app "${newName}" already exists; pick another name (or --ignore-existing)`);
      }
      writeLine(stdout, `-----> Cloning ${from.name} to ${newName}`);
      const to = await createApp(store, events, newName);
      try {
        store.transaction(() => {
          store.configVars.set(to.id, store.configVars.all(from.id));
          store.properties.copyApp(from.id, to.id, notCloned);
          dropHttps443(store.properties, to.id);
        });
        // Each part copies or adjusts its own state (Dokku's post-app-clone-setup); a throw undoes the clone.
        await events.emit('post-app-clone-setup', { oldApp: from.name, newApp: to.name, deploy: !flags['skip-deploy'], output: stdout });
        await git(['fetch', '--quiet', repoPath(paths, from.name), 'refs/heads/*:refs/heads/*'], { cwd: repoPath(paths, to.name) });
      } catch (error) {
        await events.emit('app-destroy', { app: to.name }).catch(() => undefined);
        store.apps.remove(to.name);
        await events.emit('post-delete', { app: to.name }).catch(() => undefined);
        throw error;
      }
      if (!flags['skip-deploy']) await deployCurrentRevision(services, to, { output: stdout, actor: actor.name, signal });
      writeLine(stdout, `-----> Cloned ${from.name} to ${to.name}`);
    },
  });
}

/** Dokku skips https mappings on host port 443 when cloning: the certificate is not copied. */
function dropHttps443(properties: DeployServices['api']['store']['properties'], appId: number): void {
  const raw = properties.get(appId, 'ports', 'map');
  if (!raw) return;
  const map = (JSON.parse(raw) as string[]).filter((mapping) => !mapping.startsWith('https:443:'));
  properties.set(appId, 'ports', 'map', map.length ? JSON.stringify(map) : undefined);
}
