import type { CommandContext, FlagSpec } from '../../core/command.js';
import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import type { TopicSpec } from '../../core/properties.js';
import type { PartApi } from '../../core/part.js';
import type { AppRow } from '../../store/apps.js';
import { parseBuildpackUrl } from './buildpack-url.js';
import { BUILTIN_BUILDPACKS } from './builtin.js';
import { assertBuildpackAllowed, trustOf } from './buildpack-policy.js';
import { SETTINGS, assertImageReference, buildpackList, cacheVolumeName, privateUrlsAllowed, saveBuildpackList } from './settings.js';
import { STACK_IMAGES } from './stack-definition.js';

const INDEX_FLAG: Record<string, FlagSpec> = {
  index: { type: 'string', description: 'position in the list, from 1', placeholder: 'N' },
};
/** buildpacks:set-property and buildpacks:report: the stack, and the list as read-only fields. */
export function buildpacksTopic(api: Pick<PartApi, 'store' | 'instance'>, cacheExists: (volume: string) => Promise<boolean>): TopicSpec {
  return {
    topic: 'buildpacks',
    namespace: SETTINGS.buildpacksNamespace,
    properties: [
      {
        key: SETTINGS.stack,
        scope: 'app+global',
        summary: 'the image buildpacks compile in (it must be on this server); apps run on the image its label paas.stack.run names',
        default: STACK_IMAGES.build,
        validate: assertImageReference,
      },
      {
        key: SETTINGS.allowPrivateUrls,
        scope: 'global',
        summary: 'true lets buildpack git URLs reach private and loopback addresses (an internal git server); set on the server only',
        default: 'false',
        validate: (value) => {
          if (value !== 'true' && value !== 'false')
            throw new UserError(`${SETTINGS.allowPrivateUrls} must be true or false (got "${printable(value)}")`);
          return value === 'true' ? value : '';
        },
      },
    ],
    async fields(app) {
      const volume = cacheVolumeName(api.instance, app.id);
      return {
        list: buildpackList(api.store.properties, app.id).join(','),
        'buildpack-url': api.store.configVars.effective(app.id).BUILDPACK_URL ?? '',
        'detection-order': BUILTIN_BUILDPACKS.map((b) => b.id).join(','),
        'cache-volume': volume,
        'cache-volume-exists': String(await cacheExists(volume)),
      };
    },
  };
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
  /** A URL as given to buildpacks:add/set, parsed and allowed for the caller (no server folders from afar). */
  const checked = (ctx: CommandContext, input: string) => {
    const source = parseBuildpackUrl(input);
    assertBuildpackAllowed(source, { trust: trustOf(ctx.actor), allowPrivateUrls: privateUrlsAllowed(store.properties) });
    if (source.kind === 'builtin' && source.alias) {
      writeLine(ctx.stdout, `-----> ${source.alias} is served by the built-in buildpack ${source.id} (same language)`);
    }
    return source.url;
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
        const url = checked(ctx, ctx.args[1]);
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
        const url = checked(ctx, ctx.args[1]);
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
          if (at === -1)
            throw new UserError(`${app.name} has no buildpack ${printable(url)}; see them with: paas buildpacks:list ${app.name}`);
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
      const app = requireApp(store, ctx.args[0]);
      if (ctx.flags.format === 'json') return writeJson(ctx.stdout, list(app));
      print(ctx, app, list(app));
    },
  });

  registerTopic(api, buildpacksTopic(api, cacheExists), {
    setCommand: 'buildpacks:set-property',
    setDescription: 'The list of buildpacks is changed with buildpacks:add, :set, :remove and :clear.',
    setExamples: [
      'paas buildpacks:set-property blog stack registry.example.com/stacks/node20:1',
      'paas buildpacks:set-property --global stack',
      'paas buildpacks:set-property --global allow-private-urls true',
    ],
    reportSummary: "Show an app's buildpacks, stack and build cache",
    authorize(change, ctx) {
      // Opening the network to private addresses is the server admin's call, for every app at once.
      if (change.key === SETTINGS.allowPrivateUrls && ctx.actor.transport !== 'socket') {
        throw new UserError(`${SETTINGS.allowPrivateUrls} can only be changed with the paas command on the server`);
      }
    },
  });
}

/** `--index N` (from 1) as an array position below `size`. */
function position(raw: string | boolean | undefined, size: number): number {
  const text = String(raw);
  const index = Number(text);
  if (!/^\d+$/.test(text) || index < 1) throw new UserError(`--index must be a number from 1 (got "${printable(text)}")`);
  if (index > size)
    throw new UserError(`--index ${index} is past the end of the list (${Math.max(size, 0)} ${size === 1 ? 'place' : 'places'})`);
  return index - 1;
}
