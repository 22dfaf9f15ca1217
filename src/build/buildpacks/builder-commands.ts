import { contextPath } from '../build-context.js';
import type { BuilderRegistry } from '../builder.js';
import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../../core/output.js';
import { renderReport } from '../../core/reports.js';
import type { PartApi } from '../../daemon/part.js';
import { SELECTED_BUILDER } from '../../deploy/deployer.js';
import { SETTINGS } from './settings.js';

const BUILDER_KEYS = ['selected', 'build-dir'] as const;

/** The builder's settings of an app, as builder:report shows them. */
export function builderRows(api: Pick<PartApi, 'store'>, appId: number): Array<[string, string]> {
  const { properties } = api.store;
  const selected = properties.effective(appId, SELECTED_BUILDER.namespace, SELECTED_BUILDER.key);
  const buildDir = properties.effective(appId, SETTINGS.builderNamespace, SETTINGS.buildDir);
  return [
    ['Builder selected', selected ?? 'detected (Dockerfile if there is one, else buildpacks)'],
    ['Builder build dir', buildDir ?? 'the repository root'],
  ];
}

/** builder:set and builder:report: which builder builds an app, and from which folder. */
export function registerBuilderCommands(api: PartApi): void {
  const { commands, store, builders } = api;

  commands.register({
    name: 'builder:set',
    summary: 'Choose the builder of an app, or build from a subfolder (selected, build-dir)',
    usage: 'APP selected|build-dir [VALUE]',
    description:
      'selected: dockerfile or buildpacks instead of detection (a Dockerfile at the root picks dockerfile).\n' +
      'build-dir: build from this folder of the repository (monorepos); buildpacks builds only.\n' +
      'Without a VALUE the setting is cleared.',
    examples: ['paas builder:set blog selected buildpacks', 'paas builder:set blog build-dir apps/web', 'paas builder:set blog selected'],
    arity: [2, 3],
    handler({ args: [name, key, value], stdout }) {
      const app = requireApp(store, name!);
      const clear = value === undefined || value === '';
      if (key === 'selected') {
        if (!clear) assertBuilderName(builders, value!);
        store.properties.set(app.id, SELECTED_BUILDER.namespace, SELECTED_BUILDER.key, clear ? undefined : value);
        writeLine(stdout, `-----> Builder of ${app.name}: ${clear ? 'detected' : value}`);
        return;
      }
      if (key === 'build-dir') {
        const dir = clear ? '' : contextPath(value!, 'build directory');
        store.properties.set(app.id, SETTINGS.builderNamespace, SETTINGS.buildDir, dir === '' ? undefined : dir);
        writeLine(stdout, `-----> ${app.name} builds from ${dir === '' ? 'the repository root' : `${dir}/`}`);
        return;
      }
      throw new UserError(`unknown builder setting "${printable(key!)}"; the settings are: ${BUILDER_KEYS.join(', ')}`);
    },
  });

  commands.register({
    name: 'builder:report',
    summary: "Show an app's builder settings",
    usage: 'APP',
    examples: ['paas builder:report blog', 'paas builder:report blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name!);
      if (flags.format === 'json') {
        const { properties } = store;
        return writeJson(stdout, {
          selected: properties.effective(app.id, SELECTED_BUILDER.namespace, SELECTED_BUILDER.key) ?? null,
          buildDir: properties.effective(app.id, SETTINGS.builderNamespace, SETTINGS.buildDir) ?? null,
          builders: builders.names(),
        });
      }
      stdout.write(renderReport(`${app.name} builder information`, [...builderRows(api, app.id), ['Builders', builders.names().join(', ')]]));
    },
  });
}

function assertBuilderName(builders: BuilderRegistry, name: string): void {
  if (!builders.find(name)) {
    throw new UserError(`unknown builder "${printable(name)}"; pick one of: ${builders.names().join(', ')} (or no value to detect it)`);
  }
}
