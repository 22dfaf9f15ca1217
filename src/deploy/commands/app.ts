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

/** Settings apps:clone leaves behind, as Dokku does: domains, certificates (and their letsencrypt state), and the app's own state. */
const NOT_CLONED = ['domains', 'certs', 'letsencrypt', 'proxy', 'ps', 'build-reuse', 'apps'];

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
      'Domains, certificates and https:443 port mappings are not copied; linked databases stay linked through the copied config.\n' +
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
          store.properties.copyApp(from.id, to.id, NOT_CLONED);
          dropHttps443(store.properties, to.id);
        });
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
