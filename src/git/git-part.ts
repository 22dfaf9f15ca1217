import { join } from 'node:path';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { writeLine } from '../core/output.js';
import { renderReport } from '../core/reports.js';
import type { Part, PartApi } from '../daemon/part.js';
import { DEPLOY_BRANCH, deployBranches, isValidBranchName } from './deploy-branch.js';
import { gitHttpRoutes } from './http-backend.js';
import type { GitAccess } from './git-access.js';
import { AUTOCREATION, createGitAccess } from './repo-access.js';
import { ensureRepo, removeRepo, renameRepo, repoPath } from './repositories.js';
import { startSshServer, type RunningSshServer } from './ssh-server.js';

const ZERO_REV = /^0{40}$/;

/** Bare repos, the push hook, git over SSH and HTTP, and the git:* settings. */
export function gitPart(): Part {
  let ssh: RunningSshServer | undefined;
  let api: PartApi;
  let gitAccess: GitAccess;
  return {
    name: 'git',
    description: 'git push over SSH and HTTP, bare repos, git:* settings',
    register(partApi) {
      api = partApi;
      const { commands, events, store, paths, reports, logger } = partApi;
      gitAccess = createGitAccess(partApi);
      partApi.apiRoutes.push(gitHttpRoutes({ gitAccess, reposDir: paths.repos, emptyRepoRoot: join(paths.home, 'git-empty'), logger }));

      events.on('post-create', async ({ app }) => void (await ensureRepo(paths, app)));
      events.on('app-rename', ({ oldName, newName }) => renameRepo(paths, oldName, newName));
      events.on('post-delete', ({ app }) => removeRepo(paths, app));

      reports.add('git information', (app) => {
        const row = store.apps.find(app);
        return [
          ['Git deploy branch', row ? deployBranches(store, row.id).join(' or ') : ''],
          ['Git repo', repoPath(paths, app)],
        ];
      });

      commands.register({
        name: 'git:hook',
        hidden: true,
        summary: "The push hook's entry point (internal)",
        usage: 'APP',
        examples: ['(run by git during a push)'],
        flags: {
          'object-directory': { type: 'string', description: '' },
          'alternate-object-directories': { type: 'string', description: '' },
          'quarantine-path': { type: 'string', description: '' },
          pusher: { type: 'string', description: '' },
        },
        arity: [1, 1],
        async handler({ args: [name], flags, stdin, stdout, actor, signal }) {
          if (actor.transport !== 'socket') throw new UserError('git:hook is run by git during a push, not by hand');
          const app = requireApp(store, name!);
          const branches = deployBranches(store, app.id).map((branch) => `refs/heads/${branch}`);
          const gitEnv: NodeJS.ProcessEnv = { GIT_DIR: repoPath(paths, app.name) };
          if (flags['object-directory']) gitEnv.GIT_OBJECT_DIRECTORY = String(flags['object-directory']);
          if (flags['alternate-object-directories']) {
            gitEnv.GIT_ALTERNATE_OBJECT_DIRECTORIES = String(flags['alternate-object-directories']);
          }
          if (flags['quarantine-path']) gitEnv.GIT_QUARANTINE_PATH = String(flags['quarantine-path']);
          for (const update of parseRefUpdates(await readAll(stdin))) {
            if (ZERO_REV.test(update.newRev) || !branches.includes(update.ref)) continue;
            await events.emit('git-receive', {
              app: app.name,
              rev: update.newRev,
              gitEnv,
              output: stdout,
              actor: typeof flags.pusher === 'string' ? flags.pusher : 'unknown',
              signal,
            });
          }
        },
      });

      commands.register({
        name: 'git:set',
        summary: 'Set a git setting of an app (deploy-branch)',
        usage: 'APP deploy-branch [BRANCH]',
        description: 'Without BRANCH the setting goes back to its default (main or master).',
        examples: ['paas git:set blog deploy-branch production'],
        arity: [2, 3],
        handler({ args: [name, key, value], stdout }) {
          const app = requireApp(store, name!);
          if (key !== DEPLOY_BRANCH.key) {
            throw new UserError(`unknown git setting "${printable(key!)}"; the settings are: ${DEPLOY_BRANCH.key}`);
          }
          if (value !== undefined && !isValidBranchName(value)) {
            throw new UserError(`invalid branch name "${printable(value)}"`);
          }
          store.properties.set(app.id, DEPLOY_BRANCH.namespace, DEPLOY_BRANCH.key, value);
          writeLine(stdout, `-----> ${app.name} deploys pushes to ${deployBranches(store, app.id).join(' or ')}`);
        },
      });

      commands.register({
        name: 'git:report',
        summary: "Show an app's git settings",
        usage: 'APP',
        examples: ['paas git:report blog'],
        arity: [1, 1],
        handler({ args: [name], stdout }) {
          const app = requireApp(store, name!);
          stdout.write(
            renderReport(`${app.name} git information`, [
              ['Git deploy branch', deployBranches(store, app.id).join(' or ')],
              ['Git repo', repoPath(paths, app.name)],
              ['Git remote (ssh)', `ssh://paas@HOST:${partApi.settings.sshPort}/${app.name}`],
              ['Git remote (http)', `http://paas:TOKEN@HOST:${partApi.settings.apiPort}/${app.name}.git`],
            ]),
          );
        },
      });

      commands.register({
        name: 'apps:set',
        summary: 'Set a global app setting (disable-autocreation)',
        usage: '--global disable-autocreation true|false',
        description: 'With disable-autocreation true, a push to an unknown app is refused instead of creating it.',
        examples: ['paas apps:set --global disable-autocreation true'],
        flags: { global: { type: 'boolean', description: 'the setting is global (the only scope it has)' } },
        arity: [2, 2],
        handler({ args: [key, value], flags, stdout }) {
          if (!flags.global) throw new UserError('apps:set takes --global: paas apps:set --global disable-autocreation true');
          if (key !== AUTOCREATION.key) {
            throw new UserError(`unknown setting "${printable(key!)}"; the settings are: ${AUTOCREATION.key}`);
          }
          if (value !== 'true' && value !== 'false') throw new UserError(`${AUTOCREATION.key} must be true or false`);
          store.properties.set(null, AUTOCREATION.namespace, AUTOCREATION.key, value === 'true' ? 'true' : undefined);
          writeLine(stdout, `-----> Pushes to unknown apps ${value === 'true' ? 'are refused' : 'create them'}`);
        },
      });
    },

    async start() {
      const { settings, paths, store, logger, commands } = api;
      for (const app of store.apps.list()) await ensureRepo(paths, app.name);
      if (settings.sshPort === 0) return;
      ssh = await startSshServer({
        port: settings.sshPort,
        host: settings.listen,
        hostKeyPath: join(paths.home, 'ssh_host_ed25519_key'),
        store,
        logger,
        registry: commands,
        gitAccess,
      });
      logger.info({ port: ssh.port }, 'ssh server listening');
    },

    async stop() {
      await ssh?.close();
    },
  };
}

interface RefUpdate {
  oldRev: string;
  newRev: string;
  ref: string;
}

/** pre-receive's stdin: one `OLD NEW REF` line per updated ref. */
export function parseRefUpdates(text: string): RefUpdate[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length === 3)
    .map(([oldRev, newRev, ref]) => ({ oldRev: oldRev!, newRev: newRev!, ref: ref! }));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
