import { readCapped } from '../read-capped.js';
import type { CommandContext, FlagSpec } from '../command.js';
import { requireApp } from '../app-lookup.js';
import { UserError } from '../errors.js';
import { assertConfigKey, printable } from '../names.js';
import {
  EXPORT_FORMATS,
  assertApplicableValues,
  assertConfigFits,
  parseAssignments,
  parseConfigImport,
  renderConfigExport,
  renderConfigShow,
  type ExportFormat,
} from '../config-vars.js';
import { writeLine } from '../output.js';
import type { Part, PartApi } from '../part.js';
import type { ConfigScope } from '../../store/config-vars.js';

const GLOBAL: Record<string, FlagSpec> = {
  global: { type: 'boolean', description: 'the global config every app inherits, instead of one app' },
};
const NO_RESTART: Record<string, FlagSpec> = {
  'no-restart': { type: 'boolean', description: 'only store the change; the app picks it up on its next deploy' },
};

interface Target {
  scope: ConfigScope;
  /** null for --global */
  app: string | null;
  label: string;
  /** Positionals after the app name. */
  rest: string[];
}

export const configPart: Part = {
  name: 'config',
  description: 'config:* commands: environment variables, per app and global',
  register(api) {
    const { commands, events, store } = api;
    const target = (ctx: CommandContext) => resolveTarget(api, ctx);

    commands.register({
      name: 'config:set',
      summary: 'Set config vars and restart the app with them',
      usage: '[--global] [--no-restart] [--encoded] APP KEY=VALUE...',
      description:
        'The value is everything after the first "=": spaces, "=", quotes and unicode are kept as given.\n' +
        'With --encoded each value is base64, for values with newlines.',
      examples: ["paas config:set blog GREETING='hello world' MODE=production", 'paas config:set --global TZ=UTC'],
      flags: { ...GLOBAL, ...NO_RESTART, encoded: { type: 'boolean', description: 'values are base64-encoded' } },
      secrets: { args: 'assignments' },
      arity: [1, Infinity],
      async handler(ctx) {
        const resolved = target(ctx);
        if (resolved.rest.length === 0) throw new UserError('config:set: give at least one KEY=VALUE');
        await setVars(ctx, resolved, parseAssignments(resolved.rest, ctx.flags.encoded === true));
      },
    });

    /** config:set and config:import: store the vars, show them, and restart the app with them. */
    const setVars = async (ctx: CommandContext, { scope, app, label }: Target, vars: Record<string, string>) => {
      assertApplicableValues(vars);
      if (scope === null) {
        const global = { ...store.configVars.all(null), ...vars };
        assertConfigFits(global, 'the global config');
        for (const other of store.apps.list()) assertConfigFits({ ...global, ...store.configVars.all(other.id) }, other.name);
      } else {
        assertConfigFits({ ...store.configVars.effective(scope), ...vars }, label);
      }
      await events.emit('pre-config-update', { app, vars, actor: ctx.actor });
      store.configVars.set(scope, vars);
      writeLine(ctx.stdout, `-----> Setting config vars for ${label}`);
      ctx.stdout.write(indent(renderConfigExport(vars, 'pretty')));
      await events.emit('post-config-update', {
        app,
        action: 'set',
        keys: Object.keys(vars),
        restart: ctx.flags['no-restart'] !== true,
        output: ctx.stdout,
      });
    };

    commands.register({
      name: 'config:import',
      summary: 'Set config vars from a .env file or a JSON object on stdin',
      usage: '[--global] [--no-restart] [--format envfile|json] APP < FILE',
      description:
        'envfile (the default): KEY=value lines; "export " prefixes, quoted values and # comments are understood.\n' +
        'json: an object of strings. Vars not in the input are kept; the app restarts once.',
      examples: ['paas config:import blog < .env', 'paas config:export old --format json | paas config:import --format json new'],
      flags: {
        ...GLOBAL,
        ...NO_RESTART,
        format: { type: 'string', description: 'input format, default envfile', choices: ['envfile', 'json'], placeholder: 'FORMAT' },
      },
      arity: [0, 1],
      async handler(ctx) {
        const resolved = target(ctx);
        noExtra(resolved.rest);
        const text = await readStdin(ctx.stdin);
        const vars = parseConfigImport(text, ctx.flags.format === 'json' ? 'json' : 'envfile');
        if (Object.keys(vars).length === 0)
          throw new UserError('config:import: no KEY=VALUE in the input (pipe a file: paas config:import APP < .env)');
        await setVars(ctx, resolved, vars);
      },
    });

    commands.register({
      name: 'config:unset',
      summary: 'Remove config vars and restart the app without them',
      usage: '[--global] [--no-restart] APP KEY...',
      examples: ['paas config:unset blog GREETING'],
      flags: { ...GLOBAL, ...NO_RESTART },
      arity: [1, Infinity],
      async handler(ctx) {
        const { scope, app, label, rest } = target(ctx);
        if (rest.length === 0) throw new UserError('config:unset: give at least one KEY');
        rest.forEach(assertConfigKey);
        store.configVars.unset(scope, rest);
        writeLine(ctx.stdout, `-----> Unsetting ${rest.join(', ')} for ${label}`);
        await events.emit('post-config-update', {
          app,
          action: 'unset',
          keys: rest,
          restart: ctx.flags['no-restart'] !== true,
          output: ctx.stdout,
        });
      },
    });

    commands.register({
      name: 'config:get',
      summary: 'Print the value of one config var',
      usage: '[--global] APP KEY',
      examples: ['paas config:get blog GREETING'],
      flags: { ...GLOBAL },
      arity: [1, 2],
      handler(ctx) {
        const { scope, rest } = target(ctx);
        if (rest.length !== 1) throw new UserError('config:get: usage: paas config:get [--global] APP KEY');
        const key = assertConfigKey(rest[0]);
        const vars = store.configVars.all(scope);
        // As Dokku: an unset var prints nothing and exits 1, so `config:get APP KEY || default` works.
        if (!(key in vars)) return 1;
        writeLine(ctx.stdout, vars[key]);
        return 0;
      },
    });

    commands.register({
      name: 'config:show',
      aliases: ['config'],
      summary: 'Show config vars',
      usage: '[--global] [--merged] APP',
      examples: ['paas config:show blog', 'paas config blog --merged'],
      flags: { ...GLOBAL, merged: { type: 'boolean', description: 'include the global vars the app inherits' } },
      arity: [0, 1],
      handler(ctx) {
        const { scope, label, rest } = target(ctx);
        noExtra(rest);
        const vars = ctx.flags.merged && scope !== null ? store.configVars.effective(scope) : store.configVars.all(scope);
        ctx.stdout.write(renderConfigShow(`${label} env vars`, vars));
      },
    });

    commands.register({
      name: 'config:keys',
      summary: 'List the names of config vars',
      usage: '[--global] [--merged] APP',
      examples: ['paas config:keys blog'],
      flags: { ...GLOBAL, merged: { type: 'boolean', description: 'include the global vars the app inherits' } },
      arity: [0, 1],
      handler(ctx) {
        const { scope, rest } = target(ctx);
        noExtra(rest);
        const vars = ctx.flags.merged && scope !== null ? store.configVars.effective(scope) : store.configVars.all(scope);
        for (const key of Object.keys(vars)) writeLine(ctx.stdout, key);
      },
    });

    commands.register({
      name: 'config:export',
      summary: "Export the app's environment (global vars included) for a shell, a .env file or JSON",
      usage: `[--global] APP [--format ${EXPORT_FORMATS.join('|')}]`,
      description:
        "exports (the default): export KEY='value' lines for eval. shell: KEY='value' pairs on one line.\n" +
        'docker-args: --env=KEY=\'value\' on one line, for docker run. envfile: KEY="value" lines (.env).\n' +
        'json: an object; json-list: [{"name", "value"}]; pretty: aligned KEY: value lines.',
      examples: [
        'paas config:export blog --format envfile > .env',
        'eval "$(paas config:export blog)"',
        'docker run $(paas config:export blog --format docker-args) ...',
      ],
      flags: {
        ...GLOBAL,
        format: {
          type: 'string',
          description: 'output format, default exports',
          choices: EXPORT_FORMATS,
          placeholder: 'FORMAT',
        },
      },
      arity: [0, 1],
      handler(ctx) {
        const { scope, rest } = target(ctx);
        noExtra(rest);
        const vars = scope === null ? store.configVars.all(null) : store.configVars.effective(scope);
        ctx.stdout.write(renderConfigExport(vars, (ctx.flags.format as ExportFormat | undefined) ?? 'exports'));
      },
    });

    commands.register({
      name: 'config:clear',
      summary: 'Remove every config var of an app (or the global ones)',
      usage: '[--global] [--no-restart] APP',
      examples: ['paas config:clear blog'],
      flags: { ...GLOBAL, ...NO_RESTART },
      arity: [0, 1],
      async handler(ctx) {
        const { scope, app, label, rest } = target(ctx);
        noExtra(rest);
        const keys = Object.keys(store.configVars.all(scope));
        store.configVars.clear(scope);
        writeLine(ctx.stdout, `-----> Cleared ${keys.length} config vars of ${label}`);
        await events.emit('post-config-update', {
          app,
          action: 'clear',
          keys,
          restart: ctx.flags['no-restart'] !== true,
          output: ctx.stdout,
        });
      },
    });
  },
};

function resolveTarget({ store }: PartApi, ctx: CommandContext): Target {
  // Optional positionals the caller left out are absent, not undefined.
  const args = ctx.args.filter((arg): arg is string => arg !== undefined);
  if (ctx.flags.global) return { scope: null, app: null, label: 'global config', rest: args };
  const [name, ...rest] = args;
  if (name === undefined) throw new UserError('give an APP, or --global for the config every app inherits');
  if (name.includes('=')) {
    throw new UserError(`"${printable(name)}" is not an app name; the APP comes first: paas config:set APP KEY=VALUE`);
  }
  const app = requireApp(store, name);
  return { scope: app.id, app: app.name, label: app.name, rest };
}

function noExtra(rest: string[]): void {
  if (rest.length > 0) throw new UserError(`unexpected argument "${printable(rest[0])}"`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `       ${line}\n`)
    .join('');
}

const MAX_IMPORT = 1024 * 1024;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  return (await readCapped(stdin, MAX_IMPORT, 'config:import: the input is larger than 1 MB')).toString('utf8');
}
