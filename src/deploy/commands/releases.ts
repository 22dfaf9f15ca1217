import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../../core/output.js';
import { DEFAULT_RETENTION, RETENTION } from '../release-manager.js';
import { registerTopic } from '../../core/property-commands.js';
import { wholeNumber } from '../../core/properties.js';
import type { DeployServices } from '../services.js';
import { publishChange, releaseFrom } from '../release-changes.js';
import { describeRollbackConfig, rollbackConfig } from '../rollback-config.js';

export function registerReleaseCommands(services: DeployServices): void {
  const { api } = services;
  const { commands, store, events } = api;

  events.on('post-config-update', async ({ app, restart, action, keys, output }) => {
    if (!restart) return;
    const apps = app ? [requireApp(store, app)] : store.apps.list();
    const description = action === 'set' ? `Set ${keys.join(', ')}` : action === 'unset' ? `Unset ${keys.join(', ')}` : 'Clear config';
    for (const row of apps) {
      if (!store.releases.current(row.id)) continue;
      if (services.locks.isLocked(row.id)) {
        writeLine(output, `-----> ${row.name} is being deployed; restart it after that with: paas ps:restart ${row.name}`);
        continue;
      }
      await publishChange(services, row, output, (current) =>
        releaseFrom(current, {
          config: store.configVars.effective(row.id),
          description: app ? description : `${description} (global)`,
          actor: 'config',
        }),
      );
    }
  });

  commands.register({
    name: 'releases',
    summary: "List an app's releases, newest first",
    usage: 'APP',
    examples: ['paas releases blog', 'paas releases blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      const releases = store.releases.forApp(app.id);
      if (flags.format === 'json') {
        return writeJson(
          stdout,
          releases.map(({ config, appJson: _appJson, ...release }) => ({ ...release, configKeys: Object.keys(config) })),
        );
      }
      writeLine(stdout, `=====> ${app.name} releases`);
      stdout.write(
        renderTable(
          ['VERSION', 'DESCRIPTION', 'BY', 'CREATED'],
          releases.map((r) => [`v${r.version}`, r.description, r.actor, r.createdAt]),
        ),
      );
    },
  });

  commands.register({
    name: 'rollback',
    summary: "Roll back to an earlier release's code and config (default: the previous release)",
    usage: 'APP [vN]',
    description:
      'Makes a new release from vN with zero downtime; the current scale is kept.\n' +
      "The app's stored config becomes vN's too (config:show and the next config:set start from it);\n" +
      "the output names the vars that change. Global vars and a linked service's URL stay as they are now.",
    examples: ['paas rollback blog', 'paas rollback blog v3'],
    arity: [1, 2],
    async handler({ args: [name, target], stdout, actor }) {
      const app = requireApp(store, name);
      const current = store.releases.current(app.id);
      if (!current) throw new UserError(`${app.name} has no releases yet`);
      const version = target === undefined ? current.version - 1 : parseVersion(target);
      const wanted = store.releases.version(app.id, version);
      if (!wanted) {
        throw new UserError(
          target === undefined
            ? `${app.name} has no earlier release to roll back to`
            : `${app.name} has no release v${version}; see: paas releases ${app.name}`,
        );
      }
      if (
        !(await services.docker
          .getImage(wanted.image)
          .inspect()
          .then(
            () => true,
            () => false,
          ))
      ) {
        throw new UserError(`the image of v${version} was removed (release retention); pick a newer release`);
      }
      const formation = Object.fromEntries(
        Object.entries(wanted.formation).map(([type, spec]) => [type, { ...spec, count: current.formation[type]?.count ?? spec.count }]),
      );
      const keep = new Set<string>();
      await events.emit('pre-config-restore', { app: app.name, keep });
      const restored = rollbackConfig({
        target: wanted.config,
        global: store.configVars.all(null),
        own: store.configVars.all(app.id),
        keep,
      });
      const setting = Object.fromEntries(
        restored.changes.filter((c) => c.change !== 'removed').map((c) => [c.key, restored.effective[c.key]!]),
      );
      if (Object.keys(setting).length) await events.emit('pre-config-update', { app: app.name, vars: setting, actor });
      writeLine(stdout, `-----> Restoring the config of v${version} (the stored config follows)`);
      for (const line of describeRollbackConfig(restored)) writeLine(stdout, `       ${line}`);
      await publishChange(services, app, stdout, () =>
        releaseFrom(wanted, {
          formation,
          config: restored.effective,
          storedConfig: restored.own,
          description: `Rollback to v${version}`,
          actor: actor.name,
        }),
      );
    },
  });

  registerTopic(
    api,
    {
      topic: 'releases',
      namespace: RETENTION.namespace,
      properties: [
        {
          key: RETENTION.key,
          scope: 'app+global',
          summary: 'how many release images to keep (older releases cannot be rolled back to)',
          default: String(DEFAULT_RETENTION),
          validate: wholeNumber('retention', 9999),
        },
      ],
      fields: (app) => ({ current: `v${store.releases.current(app.id)?.version ?? 0}` }),
    },
    { setExamples: ['paas releases:set blog retention 5', 'paas releases:set --global retention 20', 'paas releases:set blog retention'] },
  );
}

function parseVersion(text: string): number {
  const match = /^v?(\d+)$/.exec(text);
  if (!match) throw new UserError(`"${printable(text)}" is not a release version like v3`);
  return Number(match[1]);
}
