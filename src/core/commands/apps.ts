import { requireApp, requireAppOrAll } from '../app-lookup.js';
import { APP_LOCK, AUTOCREATION, createApp } from '../apps.js';
import { UserError } from '../errors.js';
import { assertAppName } from '../names.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../output.js';
import { registerTopic } from '../property-commands.js';
import type { TopicSpec } from '../properties.js';
import { renderReport } from '../reports.js';
import type { Part, PartApi } from '../part.js';

export const appsPart: Part = {
  name: 'apps',
  description: 'apps:* commands: create, list, report, rename, destroy',
  register(api) {
    const { commands, events, reports, store } = api;
    commands.register({
      name: 'apps:create',
      summary: 'Create an app',
      usage: 'APP',
      description: 'Names use lowercase letters, digits and dashes, start with a letter or digit (as in Dokku), 63 characters at most.',
      examples: ['paas apps:create blog'],
      arity: [1, 1],
      async handler({ args: [name], stdout }) {
        await createApp(store, events, name);
        writeLine(stdout, `-----> Created ${name}`);
      },
    });

    commands.register({
      name: 'apps:list',
      summary: 'List apps',
      usage: '',
      examples: ['paas apps:list', 'paas apps:list --format json'],
      flags: FORMAT_FLAG,
      arity: [0, 0],
      handler({ flags, stdout }) {
        const apps = store.apps.list();
        if (flags.format === 'json') {
          writeJson(
            stdout,
            apps.map((app) => ({ name: app.name, createdAt: app.createdAt })),
          );
          return;
        }
        writeLine(stdout, '=====> My Apps');
        for (const app of apps) writeLine(stdout, app.name);
      },
    });

    registerTopic(api, appsTopic(api), {
      setDescription: 'disable-autocreation true: a push to an unknown app is refused instead of creating it.',
      setExamples: ['paas apps:set --global disable-autocreation true', 'paas apps:set --global disable-autocreation'],
      reportSummary: "Show an app's information",
      reportAliases: ['apps:info'],
    });

    commands.register({
      name: 'apps:exists',
      summary: 'Exit 0 if an app exists, 1 if not (for scripts)',
      usage: 'APP',
      examples: ['paas apps:exists blog || paas apps:create blog'],
      arity: [1, 1],
      handler({ args: [name], stderr }) {
        assertAppName(name);
        if (store.apps.find(name)) return 0;
        stderr.write('App does not exist\n');
        return 1;
      },
    });

    commands.register({
      name: 'report',
      summary: 'Everything paas knows about an app (or every app), in one report; secrets left out',
      usage: '[APP]',
      description: 'For bug reports: every topic report of the app, its processes, links and proxy state. Config values are not shown.',
      examples: ['paas report blog', 'paas report'],
      arity: [0, 1],
      async handler({ args: [name], stdout }) {
        const apps = requireAppOrAll(store, name);
        for (const app of apps) {
          for (const section of await reports.render(app.name)) stdout.write(renderReport(`${app.name} ${section.title}`, section.rows));
        }
      },
    });

    commands.register({
      name: 'apps:rename',
      summary: 'Rename an app, keeping its config and history',
      usage: 'OLD NEW',
      examples: ['paas apps:rename blog journal'],
      arity: [2, 2],
      async handler({ args: [oldName, newName], stdout }) {
        requireApp(store, oldName);
        assertAppName(newName);
        if (store.apps.find(newName)) throw new UserError(`app "${newName}" already exists; pick another name`);
        await events.emit('app-rename', { oldName: oldName, newName: newName });
        store.apps.rename(oldName, newName);
        writeLine(stdout, `-----> Renamed ${oldName} to ${newName}`);
      },
    });

    commands.register({
      name: 'apps:destroy',
      summary: 'Destroy an app and everything it owns (needs --force)',
      usage: 'APP --force',
      description: 'Removes the app, its config, releases, containers, images and repository. Linked databases are kept.',
      examples: ['paas apps:destroy blog --force'],
      flags: { force: { type: 'boolean', description: 'confirm the destruction' } },
      arity: [1, 1],
      async handler({ args: [name], flags, stdout }) {
        requireApp(store, name);
        if (!flags.force) {
          throw new UserError(
            `destroying "${name}" deletes its config, releases and code and cannot be undone; to go ahead run: paas apps:destroy ${name} --force`,
          );
        }
        writeLine(stdout, `-----> Destroying ${name}`);
        await events.emit('app-destroy', { app: name });
        store.apps.remove(name);
        await events.emit('post-delete', { app: name });
        writeLine(stdout, `-----> Destroyed ${name}`);
      },
    });
  },
};

/** apps:set / apps:report (Dokku's flag prefix is `app`). */
function appsTopic({ store, paths }: Pick<PartApi, 'store' | 'paths'>): TopicSpec {
  return {
    topic: 'apps',
    prefix: 'app',
    namespace: AUTOCREATION.namespace,
    properties: [
      {
        key: AUTOCREATION.key,
        scope: 'global',
        summary: 'refuse pushes to apps that do not exist instead of creating them',
        default: 'false',
        validate(value) {
          if (value !== 'true' && value !== 'false') throw new UserError(`${AUTOCREATION.key} must be true or false`);
          return value;
        },
      },
    ],
    fields(app) {
      const release = store.releases.current(app.id);
      return {
        'created-at': String(Math.floor(Date.parse(app.createdAt) / 1000)),
        dir: `${paths.repos}/${app.name}.git`,
        'deploy-source': release?.gitRev ? 'git' : '',
        'deploy-source-metadata': release?.gitRev ?? '',
        'config-vars': String(Object.keys(store.configVars.all(app.id)).length),
        locked: String(store.properties.get(app.id, APP_LOCK.namespace, APP_LOCK.key) === 'true'),
      };
    },
  };
}
