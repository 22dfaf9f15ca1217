import { requireApp } from '../app-lookup.js';
import { createApp } from '../apps.js';
import { UserError } from '../errors.js';
import { assertAppName } from '../names.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../output.js';
import { renderReport } from '../reports.js';
import type { Part } from '../../daemon/part.js';

export const appsPart: Part = {
  name: 'apps',
  description: 'apps:* commands: create, list, report, rename, destroy',
  register({ commands, events, reports, store, paths }) {
    commands.register({
      name: 'apps:create',
      summary: 'Create an app',
      usage: 'APP',
      description: 'Names use lowercase letters, digits and dashes, start with a letter, 63 characters at most.',
      examples: ['paas apps:create blog'],
      arity: [1, 1],
      async handler({ args: [name], stdout }) {
        await createApp(store, events, name!);
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
          writeJson(stdout, apps.map((app) => ({ name: app.name, createdAt: app.createdAt })));
          return;
        }
        writeLine(stdout, '=====> My Apps');
        for (const app of apps) writeLine(stdout, app.name);
      },
    });

    commands.register({
      name: 'apps:report',
      aliases: ['apps:info'],
      summary: "Show an app's information",
      usage: 'APP',
      examples: ['paas apps:report blog', 'paas apps:report blog --format json'],
      flags: FORMAT_FLAG,
      arity: [1, 1],
      async handler({ args: [name], flags, stdout }) {
        const app = requireApp(store, name!);
        const own = store.configVars.all(app.id);
        const rows: Array<[string, string]> = [
          ['App created at', app.createdAt],
          ['App dir', `${paths.repos}/${app.name}.git`],
          ['App config vars', String(Object.keys(own).length)],
        ];
        const sections = await reports.render(app.name);
        if (flags.format === 'json') {
          const all = [{ title: 'app', rows }, ...sections];
          writeJson(stdout, Object.fromEntries(all.flatMap((s) => s.rows)));
          return;
        }
        stdout.write(renderReport(`${app.name} app information`, rows));
        for (const section of sections) stdout.write(renderReport(`${app.name} ${section.title}`, section.rows));
      },
    });

    commands.register({
      name: 'apps:rename',
      summary: 'Rename an app, keeping its config and history',
      usage: 'OLD NEW',
      examples: ['paas apps:rename blog journal'],
      arity: [2, 2],
      async handler({ args: [oldName, newName], stdout }) {
        requireApp(store, oldName!);
        assertAppName(newName!);
        if (store.apps.find(newName!)) throw new UserError(`app "${newName}" already exists; pick another name`);
        await events.emit('app-rename', { oldName: oldName!, newName: newName! });
        store.apps.rename(oldName!, newName!);
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
        requireApp(store, name!);
        if (!flags.force) {
          throw new UserError(
            `destroying "${name}" deletes its config, releases and code and cannot be undone; to go ahead run: paas apps:destroy ${name} --force`,
          );
        }
        writeLine(stdout, `-----> Destroying ${name}`);
        await events.emit('app-destroy', { app: name! });
        store.apps.remove(name!);
        await events.emit('post-delete', { app: name! });
        writeLine(stdout, `-----> Destroyed ${name}`);
      },
    });
  },
};
