import type { CommandContext, FlagSpec } from '../../core/command.js';
import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../../core/output.js';
import { renderReport } from '../../core/reports.js';
import type { PartApi } from '../../daemon/part.js';
import type { AppRow } from '../../store/apps.js';
import { parseBuildpackUrl } from './buildpack-url.js';
import { BUILTIN_BUILDPACKS } from './builtin.js';
import { SETTINGS, assertImageReference, buildpackList, cacheVolumeName, saveBuildpackList } from './settings.js';
import { STACK_IMAGES } from './stack-definition.js';

const INDEX_FLAG: Record<string, FlagSpec> = {
  index: { type: 'string', description: 'position in the list, from 1', placeholder: 'N' },
};
const GLOBAL_FLAG: Record<string, FlagSpec> = {
  global: { type: 'boolean', description: 'the default of every app, instead of one app' },
};
const PROPERTIES = ['stack'] as const;

/** An app's buildpacks, stack and cache as buildpacks:report shows them. */
export async function buildpacksRows(
  api: Pick<PartApi, 'store' | 'instance'>,
  app: AppRow,
  cacheExists: (volume: string) => Promise<boolean>,
): Promise<Array<[string, string]>> {
  const { properties } = api.store;
  const list = buildpackList(properties, app.id);
  const ownStack = properties.get(app.id, SETTINGS.buildpacksNamespace, SETTINGS.stack);
  const globalStack = properties.get(null, SETTINGS.buildpacksNamespace, SETTINGS.stack);
  const volume = cacheVolumeName(api.instance, app.id);
  const buildpackUrl = api.store.configVars.effective(app.id).BUILDPACK_URL;
  return [
    ['Buildpacks list', list.join(',') || 'none (the .buildpacks file, else detection)'],
    ['Buildpacks BUILDPACK_URL', buildpackUrl ? `${buildpackUrl} (overrides the list and .buildpacks)` : 'not set'],
    ['Buildpacks stack', effectiveStack(ownStack, globalStack)],
    ['Buildpacks detection order', BUILTIN_BUILDPACKS.map((b) => b.id).join(', ')],
    ['Buildpacks cache volume', `${volume} (${(await cacheExists(volume)) ? 'exists' : 'not made yet'})`],
  ];
}

function effectiveStack(own: string | undefined, global: string | undefined): string {
  if (own) return `${own} (app setting)`;
  if (global) return `${global} (global setting)`;
  return `${STACK_IMAGES.build} (build), ${STACK_IMAGES.run} (run) (default)`;
}

/** buildpacks:*: the app's buildpack list (Dokku's commands) and its stack. */
export function registerBuildpacksCommands(api: PartApi, cacheExists: (volume: string) => Promise<boolean>): void {
  const { commands, store } = api;
  const list = (app: AppRow) => buildpackList(store.properties, app.id);
  const print = (ctx: CommandContext, app: AppRow, urls: readonly string[]) => {
    writeLine(ctx.stdout, `-----> ${app.name} buildpacks`);
    if (urls.length === 0) writeLine(ctx.stdout, '       none set: the .buildpacks file, else detection');
    for (const url of urls) writeLine(ctx.stdout, `       ${url}`);
  };
  /** Loads the app's list, lets `change` edit it in place, saves and prints it. */
  const edit = (ctx: CommandContext, change: (urls: string[], app: AppRow) => void) => {
    const app = requireApp(store, ctx.args[0]!);
    const urls = list(app);
    change(urls, app);
    saveBuildpackList(store.properties, app.id, urls);
    print(ctx, app, urls);
  };

  commands.register({
    name: 'buildpacks:add',
    summary: "Add a buildpack to an app's list (at the end, or at --index)",
    usage: '[--index N] APP URL',
    description:
      'URL: a git URL (https://host/repo.git, #ref for a branch, tag or commit), an absolute path on the server ' +
      `(a git repository there is cloned), or a built-in: ${BUILTIN_BUILDPACKS.map((b) => b.id).join(', ')}.\n` +
      'The list runs in order and wins over a committed .buildpacks file; a BUILDPACK_URL config var wins over both.',
    examples: ['paas buildpacks:add blog paas/nodejs', 'paas buildpacks:add --index 1 blog https://github.com/me/buildpack-apt.git#v2'],
    flags: INDEX_FLAG,
    arity: [2, 2],
    handler(ctx) {
      edit(ctx, (urls, app) => {
        const url = parseBuildpackUrl(ctx.args[1]!).url;
        if (urls.includes(url)) throw new UserError(`${app.name} already has buildpack ${printable(url)}`);
        const at = ctx.flags.index === undefined ? urls.length : position(ctx.flags.index, urls.length + 1);
        urls.splice(at, 0, url);
      });
    },
  });

  commands.register({
    name: 'buildpacks:set',
    summary: "Set the buildpack at a position of an app's list (default: the first)",
    usage: '[--index N] APP URL',
    examples: ['paas buildpacks:set blog paas/python', 'paas buildpacks:set --index 2 blog /srv/buildpacks/mine'],
    flags: INDEX_FLAG,
    arity: [2, 2],
    handler(ctx) {
      edit(ctx, (urls, app) => {
        const url = parseBuildpackUrl(ctx.args[1]!).url;
        const at = ctx.flags.index === undefined ? 0 : position(ctx.flags.index, urls.length + 1);
        if (urls.includes(url) && urls[at] !== url) throw new UserError(`${app.name} already has buildpack ${printable(url)}`);
        urls[at] = url;
      });
    },
  });

  commands.register({
    name: 'buildpacks:remove',
    summary: "Remove a buildpack from an app's list (by URL or --index)",
    usage: '[--index N] APP [URL]',
    examples: ['paas buildpacks:remove blog paas/nodejs', 'paas buildpacks:remove --index 1 blog'],
    flags: INDEX_FLAG,
    arity: [1, 2],
    handler(ctx) {
      edit(ctx, (urls, app) => {
        const url = ctx.args[1];
        let at: number;
        if (url !== undefined) {
          at = urls.indexOf(url.trim());
          if (at === -1) throw new UserError(`${app.name} has no buildpack ${printable(url)}; see them with: paas buildpacks:list ${app.name}`);
        } else if (ctx.flags.index !== undefined) {
          at = position(ctx.flags.index, urls.length);
        } else {
          throw new UserError('buildpacks:remove: give the URL to remove, or --index N');
        }
        urls.splice(at, 1);
      });
    },
  });

  commands.register({
    name: 'buildpacks:clear',
    summary: "Clear an app's buildpack list (back to .buildpacks or detection)",
    usage: 'APP',
    examples: ['paas buildpacks:clear blog'],
    arity: [1, 1],
    handler(ctx) {
      edit(ctx, (urls) => urls.splice(0));
    },
  });

  commands.register({
    name: 'buildpacks:list',
    summary: "List an app's buildpacks",
    usage: 'APP',
    examples: ['paas buildpacks:list blog', 'paas buildpacks:list blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler(ctx) {
      const app = requireApp(store, ctx.args[0]!);
      if (ctx.flags.format === 'json') return writeJson(ctx.stdout, list(app));
      print(ctx, app, list(app));
    },
  });

  commands.register({
    name: 'buildpacks:set-property',
    summary: 'Set a buildpacks property of an app or of all apps (stack)',
    usage: '[--global] [APP] stack [IMAGE]',
    description:
      'stack: the image buildpacks compile in. Apps run on the image its label paas.stack.run names, else on the same image.\n' +
      'The image must be on this server (docker load or docker build it). Without an IMAGE the property is cleared.',
    examples: ['paas buildpacks:set-property blog stack registry.example.com/stacks/node20:1', 'paas buildpacks:set-property --global stack'],
    flags: GLOBAL_FLAG,
    arity: [1, 3],
    handler(ctx) {
      const global = ctx.flags.global === true;
      if (global && ctx.args.length > 2) throw new UserError('buildpacks:set-property: with --global give no APP: paas buildpacks:set-property --global stack IMAGE');
      const [appName, ...rest] = global ? [undefined, ...ctx.args] : ctx.args;
      const app = appName === undefined ? undefined : requireApp(store, appName);
      const [key, value] = rest;
      if (key === undefined) throw new UserError('buildpacks:set-property: give the property: stack');
      if (!(PROPERTIES as readonly string[]).includes(key)) {
        throw new UserError(`unknown buildpacks property "${printable(key)}"; the properties are: ${PROPERTIES.join(', ')}`);
      }
      const image = value === undefined || value === '' ? undefined : assertImageReference(value);
      store.properties.set(app?.id ?? null, SETTINGS.buildpacksNamespace, SETTINGS.stack, image);
      const who = app ? app.name : 'every app';
      writeLine(ctx.stdout, `-----> Stack of ${who}: ${image ?? 'the default'}`);
    },
  });

  commands.register({
    name: 'buildpacks:report',
    summary: "Show an app's buildpacks, effective stack and build cache",
    usage: 'APP',
    examples: ['paas buildpacks:report blog', 'paas buildpacks:report blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    async handler(ctx) {
      const app = requireApp(store, ctx.args[0]!);
      const rows = await buildpacksRows(api, app, cacheExists);
      if (ctx.flags.format === 'json') {
        return writeJson(ctx.stdout, Object.fromEntries(rows.map(([label, value]) => [jsonKey(label), value])));
      }
      ctx.stdout.write(renderReport(`${app.name} buildpacks information`, rows));
    },
  });
}

/** `--index N` (from 1) as an array position below `size`. */
function position(raw: string | boolean | undefined, size: number): number {
  const text = String(raw);
  const index = Number(text);
  if (!/^\d+$/.test(text) || index < 1) throw new UserError(`--index must be a number from 1 (got "${printable(text)}")`);
  if (index > size) throw new UserError(`--index ${index} is past the end of the list (${Math.max(size, 0)} ${size === 1 ? 'place' : 'places'})`);
  return index - 1;
}

/** `Buildpacks cache volume` → `cacheVolume`. */
function jsonKey(label: string): string {
  const words = label.replace(/^Buildpacks /, '').split(/[\s_]+/);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
}
