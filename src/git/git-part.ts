import { join } from 'node:path';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { registerTopic } from '../core/property-commands.js';
import { trueOrFalse, type TopicSpec } from '../core/properties.js';
import { writeLine } from '../core/output.js';
import { KEEP_GIT_DIR, PAAS_ENV_NAMES, REV_ENV_VAR } from './git-settings.js';
import type { Part, PartApi } from '../core/part.js';
import { DEPLOY_BRANCH, deployBranches, isValidBranchName } from './deploy-branch.js';
import { gitHttpRoutes } from '../http/git-http-backend.js';
import { createGitAccess } from './repo-access.js';
import { ensureRepo, removeRepo, renameRepo, repoPath } from './repositories.js';

const ZERO_REV = /^0{40}$/;

/** git:set / git:report: the deploy branch, and where the app's repository and remotes are. */
function gitTopic(api: PartApi): TopicSpec {
  const { store, paths, settings } = api;
  return {
    topic: 'git',
    namespace: DEPLOY_BRANCH.namespace,
    properties: [
      {
        key: DEPLOY_BRANCH.key,
        scope: 'app+global',
        summary: 'the branch whose pushes deploy',
        default: 'main',
        validate(value) {
          if (!isValidBranchName(value)) throw new UserError(`invalid branch name "${printable(value)}"`);
          return value;
        },
      },
      {
        key: KEEP_GIT_DIR.key,
        scope: 'app+global',
        summary: 'true: builds get a .git folder (a clone at the deployed commit) beside the files',
        default: 'false',
        validate: trueOrFalse('keep-git-dir'),
      },
      {
        key: REV_ENV_VAR.key,
        scope: 'app',
        summary: 'the env var that holds the deployed commit in builds and processes; set it to nothing to leave it out',
        default: REV_ENV_VAR.default,
        validate(value) {
          if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value) || PAAS_ENV_NAMES.has(value)) {
            throw new UserError(`invalid rev-env-var "${printable(value)}": give an env var name such as GIT_REV (not PORT or DYNO)`);
          }
          return value;
        },
        // Stored empty once turned off; never set means the default.
        computed: (values) => values.app ?? REV_ENV_VAR.default,
      },
    ],
    fields: (app) => ({
      'repo-dir': repoPath(paths, app.name),
      sha: store.releases.current(app.id)?.gitRev ?? '',
      'remote-ssh': `ssh://paas@HOST:${settings.sshPort}/${app.name}`,
      'remote-http': `${settings.apiTls ? 'https' : 'http'}://paas:TOKEN@HOST:${settings.apiPort}/${app.name}.git`,
    }),
  };
}

/** Bare repos, the push hook, git over HTTP, and the git:* settings (git over SSH: src/ssh). */
export function gitPart(): Part {
  let api: PartApi;
  return {
    name: 'git',
    description: 'git push over SSH and HTTP, bare repos, git:* settings',
    register(partApi) {
      api = partApi;
      const { commands, events, store, paths, logger } = partApi;
      partApi.apiRoutes.push(
        gitHttpRoutes({
          gitAccess: createGitAccess(partApi),
          reposDir: paths.repos,
          emptyRepoRoot: join(paths.home, 'git-empty'),
          uploadIdleTimeoutMs: partApi.settings.limits.idleTimeoutMs,
          logger,
        }),
      );

      events.on('post-create', async ({ app }) => void (await ensureRepo(paths, app, partApi.settings.maxPushSize)));
      events.on('app-rename', ({ oldName, newName }) => renameRepo(paths, oldName, newName));
      events.on('post-delete', ({ app }) => removeRepo(paths, app));

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
          const app = requireApp(store, name);
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
              actor: typeof flags.pusher === 'string' ? flags.pusher : 'root on the server',
              // SSH and HTTP always name the pusher; a push without one came through a local path.
              codeTrust: typeof flags.pusher === 'string' ? 'remote' : 'server',
              signal,
            });
          }
        },
      });

      registerTopic(partApi, gitTopic(partApi), {
        setDescription:
          'deploy-branch: pushes to this branch deploy; while it is unset, main and master both do.\n' +
          'keep-git-dir and rev-env-var apply from the next build; rev-env-var reaches running processes on their next restart.\n' +
          'rev-env-var without a value (or "") turns the variable off; set it to GIT_REV to have it back.',
        setExamples: [
          'paas git:set blog deploy-branch production',
          'paas git:set --global deploy-branch main',
          'paas git:set blog keep-git-dir true',
          'paas git:set blog rev-env-var DOKKU_GIT_REV',
          'paas git:set blog rev-env-var',
        ],
        apply(change, { stdout }) {
          // An unset rev-env-var turns it off (Dokku's ""), which an empty stored value records.
          const off = change.property.key === REV_ENV_VAR.key && change.value === undefined;
          store.properties.set(change.app?.id ?? null, change.namespace, change.key, off ? '' : change.value);
          if (off)
            writeLine(
              stdout,
              `       The deployed commit is no longer set in an env var (git:set ${change.app!.name} rev-env-var GIT_REV brings it back)`,
            );
        },
        reportSummary: "Show an app's git settings and remotes",
      });
    },

    async start() {
      const { settings, paths, store } = api;
      for (const app of store.apps.list()) await ensureRepo(paths, app.name, settings.maxPushSize);
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
    .map(([oldRev, newRev, ref]) => ({ oldRev: oldRev, newRev: newRev, ref: ref }));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
