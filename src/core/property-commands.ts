import type { CommandContext, FlagSpec } from './command.js';
import { requireApp, requireAppOrAll } from './app-lookup.js';
import { UserError } from './errors.js';
import { writeJson, writeLine } from './output.js';
import {
  appReport,
  globalReport,
  planChange,
  prefixOf,
  reportJson,
  reportLabel,
  singleValue,
  writeChange,
  type PropertyChange,
  type TopicSpec,
} from './properties.js';
import { renderReport } from './reports.js';
import type { PartApi } from './part.js';

export interface TopicCommandOptions {
  /** The set command's name (`buildpacks:set-property`), or false when the topic has none. */
  setCommand?: string | false;
  /** Refuses a change this caller may not make (throws a UserError), before anything is printed or stored. */
  authorize?(change: PropertyChange, ctx: CommandContext): void;
  /** Stores a change (the proxy reloads nginx with it); default: store.properties. */
  apply?(change: PropertyChange, ctx: CommandContext): Promise<void> | void;
  /** A sentence on what the topic's settings do, for the set command's help. */
  setDescription?: string;
  setExamples?: readonly string[];
  reportSummary?: string;
  reportAliases?: readonly string[];
  /** A report flag for the examples (after the prefix), when the topic has no properties. */
  reportExampleKey?: string;
}

export const REPORT_FORMAT_FLAG: Record<string, FlagSpec> = {
  format: { type: 'string', description: 'output format', choices: ['stdout', 'text', 'json'], placeholder: 'FORMAT' },
};
/** The most words a variadic property takes in one set command. */
const MAX_VALUES = 64;
const GLOBAL: FlagSpec = { type: 'boolean', description: 'the global settings instead of one app' };

/**
 * Registers `TOPIC:set` and `TOPIC:report` for a topic's properties and adds the topic to the
 * all-in-one `report`, so every topic takes the same arguments and prints the same shapes.
 */
export function registerTopic(
  api: Pick<PartApi, 'commands' | 'store' | 'reports'>,
  topic: TopicSpec,
  options: TopicCommandOptions = {},
): void {
  const { commands, store, reports } = api;
  const prefix = prefixOf(topic);
  const title = topic.title ?? prefix;
  const setName = options.setCommand ?? `${topic.topic}:set`;
  const hasGlobal = topic.properties.some((p) => p.scope !== 'app');
  const hasApp = topic.properties.some((p) => p.scope !== 'global');
  const setTarget = hasGlobal && hasApp ? '[--global|APP]' : hasGlobal ? '--global' : 'APP';
  const first = topic.properties[0];
  const example = options.reportExampleKey ?? reportFlagExample(topic);

  if (setName !== false && first) {
    const variadic = topic.properties.some((p) => p.variadic);
    const keys = topic.properties.map((p) => p.key);
    commands.register({
      name: setName,
      summary: `Set or unset a ${topic.topic} property (${keys.join(', ')})`,
      usage: `${setTarget} KEY [VALUE]`,
      description: [
        ...(options.setDescription ? [options.setDescription] : []),
        'Without VALUE the property is unset (the global value or the default applies again).',
        ...topic.properties.map((p) => `  ${p.key} (${p.scope}${p.default ? `, default ${p.default}` : ''}): ${p.summary}`),
      ].join('\n'),
      examples: options.setExamples ?? [`paas ${setName} blog ${first.key} VALUE`, `paas ${setName} blog ${first.key}`],
      flags: hasGlobal ? { global: { type: 'boolean', description: 'set the default of every app' } } : {},
      arity: [1, variadic ? 2 + MAX_VALUES : 3],
      async handler(ctx) {
        const global = ctx.flags.global === true;
        const [name, key, ...values] = global ? [undefined, ...ctx.args] : ctx.args;
        const several = values.length > 1 && !topic.properties.find((p) => p.key === key)?.variadic;
        if (key === undefined || several || (!hasApp && !global)) {
          throw new UserError(`usage: paas ${setName} ${setTarget} KEY [VALUE]`);
        }
        const app = name === undefined ? undefined : requireApp(store, name);
        const change = planChange(topic, { app, global }, key, values.length ? values.join(' ') : undefined);
        options.authorize?.(change, ctx);
        writeChange(ctx.stdout, change);
        if (options.apply) await options.apply(change, ctx);
        else store.properties.set(app?.id ?? null, change.namespace, change.key, change.value);
      },
    });
  }

  commands.register({
    name: `${topic.topic}:report`,
    aliases: options.reportAliases,
    summary: options.reportSummary ?? `Show the ${topic.topic} settings of one app or every app`,
    usage: `[APP${hasGlobal || topic.globalFields ? '|--global' : ''}] [--${prefix}-KEY]`,
    description:
      `With a --${prefix}-KEY flag only that value is printed (e.g. --${prefix}-${example}).\n` +
      `--format json prints Dokku's keys: the flag names without --${prefix}- (and, as Dokku 0.38 does, also with it).`,
    examples: [
      `paas ${topic.topic}:report blog`,
      `paas ${topic.topic}:report blog --${prefix}-${example}`,
      `paas ${topic.topic}:report blog --format json`,
    ],
    flags: { ...REPORT_FORMAT_FLAG, ...(hasGlobal || topic.globalFields ? { global: GLOBAL } : {}) },
    openFlags: true,
    arity: [0, 1],
    async handler({ args: [name], flags, stdout }) {
      const asked = Object.keys(flags).filter((flag) => flag !== 'format' && flag !== 'global');
      if (asked.length > 1) throw new UserError(`${topic.topic}:report takes one --${prefix}-KEY flag at a time`);
      const global = flags.global === true;
      if (global && name !== undefined) throw new UserError(`${topic.topic}:report: give an APP or --global, not both`);
      if (asked.length && !global && name === undefined) throw new UserError(`${topic.topic}:report: --${asked[0]} needs an APP`);

      const sections: Array<{ header: string; key: string; rows: Map<string, string> }> = [];
      if (global)
        sections.push({ header: `Global ${title} information`, key: 'global', rows: await globalReport(store.properties, topic) });
      else {
        const apps = requireAppOrAll(store, name);
        for (const app of apps) {
          sections.push({ header: `${app.name} ${title} information`, key: app.name, rows: await appReport(store.properties, topic, app) });
        }
      }
      if (asked.length) return writeLine(stdout, singleValue(topic, sections[0].rows, asked[0]));
      if (flags.format === 'json') {
        if (name !== undefined || global) return writeJson(stdout, reportJson(topic, sections[0].rows));
        return writeJson(stdout, Object.fromEntries(sections.map((s) => [s.key, reportJson(topic, s.rows)])));
      }
      for (const section of sections) stdout.write(renderReport(section.header, labelled(topic, section.rows)));
    },
  });

  reports.add(`${title} information`, async (appName) => {
    const app = store.apps.find(appName);
    return app ? labelled(topic, await appReport(store.properties, topic, app)) : [];
  });
}

function labelled(topic: TopicSpec, rows: ReadonlyMap<string, string>): Array<[string, string]> {
  return [...rows].map(([key, value]) => [reportLabel(topic, key), value]);
}

function reportFlagExample(topic: TopicSpec): string {
  const first = topic.properties[0];
  if (!first) return 'KEY';
  return first.scope === 'global' ? `global-${first.key}` : first.key;
}
