import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import type { AppRow } from '../../store/apps.js';
import { withCheckSettings } from '../app-checks.js';
import { DeployLog } from '../deploy-log.js';
import { SETTING, checkList } from '../deploy-settings.js';
import { CHECKS_PROPERTIES } from '../deploy-topics.js';
import { checkProcess } from '../health-checks.js';
import { appJsonOf } from '../app-json.js';
import type { DeployServices } from '../services.js';

const ALL = '_all_';
const PROCESS_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** `web,worker` into types; none means every type (`_all_`). */
export function parseTypes(arg: string | undefined): string[] {
  if (arg === undefined || arg === '') return [ALL];
  const types = arg.split(',').map((t) => t.trim());
  const bad = types.find((t) => !PROCESS_TYPE.test(t));
  if (bad !== undefined) throw new UserError(`"${printable(bad)}" is not a process type; give a comma-separated list like web,worker`);
  return [...new Set(types)];
}

/**
 * The lists after `checks:enable|disable|skip TYPES`: a type is in at most one of them, `_all_`
 * stands for every type; enabling some types of `_all_` keeps the app's other types listed.
 */
export function changeLists(
  lists: { disabled: string[]; skipped: string[] },
  action: 'enable' | 'disable' | 'skip',
  types: readonly string[],
  appTypes: readonly string[],
): { disabled: string[]; skipped: string[] } {
  const remove = (list: string[]) => {
    if (types.includes(ALL)) return [];
    const expanded = list.includes(ALL) ? [...appTypes] : list;
    return expanded.filter((t) => !types.includes(t));
  };
  const add = (list: string[]) => (types.includes(ALL) ? [ALL] : list.includes(ALL) ? list : [...new Set([...list, ...types])]);
  if (action === 'enable') return { disabled: remove(lists.disabled), skipped: remove(lists.skipped) };
  if (action === 'disable') return { disabled: add(lists.disabled), skipped: remove(lists.skipped) };
  return { disabled: remove(lists.disabled), skipped: add(lists.skipped) };
}

/** checks:* — Dokku's zero-downtime checks: what a deploy waits for, per process type. */
export function registerChecksCommands(services: DeployServices): void {
  const { api, scheduler } = services;
  const { commands, store } = api;
  const show = (list: string[]) => (list.length ? list.join(',') : 'none');

  registerTopic(
    api,
    {
      topic: 'checks',
      namespace: 'checks',
      properties: CHECKS_PROPERTIES,
      fields: (app) => ({
        'disabled-list': show(checkList(store.properties, app.id, 'checksDisabled')),
        'skipped-list': show(checkList(store.properties, app.id, 'checksSkipped')),
      }),
    },
    {
      setDescription: 'How a deploy checks new containers and retires old ones.',
      setExamples: [
        'paas checks:set blog wait-to-retire 30',
        'paas checks:set --global default-wait 10',
        'paas checks:set blog wait-to-retire',
      ],
    },
  );

  const appTypes = (app: AppRow) => Object.keys(store.releases.current(app.id)?.formation ?? {});
  const save = (app: AppRow, lists: { disabled: string[]; skipped: string[] }) => {
    for (const [name, list] of [
      ['checksDisabled', lists.disabled],
      ['checksSkipped', lists.skipped],
    ] as const) {
      store.properties.set(app.id, SETTING[name].namespace, SETTING[name].key, list.length ? list.join(',') : undefined);
    }
  };
  const listCommand = (action: 'enable' | 'disable' | 'skip', summary: string, description: string, message: string) =>
    commands.register({
      name: `checks:${action}`,
      summary,
      usage: 'APP [TYPE,...]',
      description,
      examples: [`paas checks:${action} blog`, `paas checks:${action} blog worker,web`],
      arity: [1, 2],
      handler({ args: [name, typeArg], stdout }) {
        const app = requireApp(store, name);
        const types = parseTypes(typeArg);
        const lists = {
          disabled: checkList(store.properties, app.id, 'checksDisabled'),
          skipped: checkList(store.properties, app.id, 'checksSkipped'),
        };
        save(app, changeLists(lists, action, types, appTypes(app)));
        const which = types.includes(ALL) ? `app (${app.name})` : `app's (${app.name}) proctypes (${types.join(',')})`;
        writeLine(stdout, `-----> ${message} for ${which}`);
      },
    });

  listCommand(
    'disable',
    'Disable zero-downtime deploys of an app (or of some process types): old containers stop before new ones start',
    'The types named (default: all) are replaced stop-then-start, without checks: expect downtime during deploys.',
    'Disabling zero downtime',
  );
  listCommand(
    'enable',
    'Enable zero-downtime deploys (and checks) of an app again, or of some process types',
    'Undoes checks:disable and checks:skip for the types named (default: all).',
    'Enabling zero downtime',
  );
  listCommand(
    'skip',
    'Skip the checks of an app (or of some process types): new containers get traffic unchecked',
    'Deploys stay zero-downtime (old containers retire after the switch), but new containers are not checked.',
    'Skipping zero downtime',
  );

  commands.register({
    name: 'checks:run',
    summary: "Run an app's checks against its running containers (all, some types, or one like web.2)",
    usage: 'APP [TYPE,...|TYPE.N]',
    description: 'Exits non-zero when a check fails: usable from cron or monitoring.',
    examples: ['paas checks:run blog', 'paas checks:run blog worker', 'paas checks:run blog web.2'],
    arity: [1, 2],
    async handler({ args: [name, target], stdout }) {
      const app = requireApp(store, name);
      const release = store.releases.current(app.id);
      if (!release) throw new UserError(`${app.name} is not deployed yet`);
      const log = new DeployLog(stdout);
      log.step('Running pre-flight checks');
      const running = (await scheduler.list(app.id)).filter(
        (p) => p.running && p.release === release.version && !scheduler.retiring.has(p.id),
      );
      const one = target === undefined ? null : /^([A-Za-z0-9][A-Za-z0-9_-]*)\.(\d+)$/.exec(target);
      let selected = running;
      if (one) {
        selected = running.filter((p) => p.type === one[1] && p.index === Number(one[2]));
        if (selected.length === 0) throw new UserError(`Invalid container id specified (${app.name}.${printable(target!)})`);
      } else if (target !== undefined) {
        const types = parseTypes(target);
        const missing = types.find((t) => !(t in release.formation));
        if (missing !== undefined) throw new UserError(`Invalid process type specified (${app.name}.${missing})`);
        selected = running.filter((p) => types.includes(p.type));
      }
      const checks = appJsonOf(release).healthchecks;
      for (const process of selected) {
        log.step(`Running checks for app (${app.name}.${process.type}.${process.index})`);
        await checkProcess(scheduler, process, release.port, withCheckSettings(checks[process.type] ?? [], store.properties, app.id), log);
        log.step('Checks successful');
      }
    },
  });
}
