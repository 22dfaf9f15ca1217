import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../core/output.js';
import { renderReport } from '../core/reports.js';
import type { PartApi } from '../daemon/part.js';
import { printChange } from './change-output.js';
import { TREE, appLogs } from './layout.js';
import { tailLog } from './log-files.js';
import {
  NGINX_NAMESPACE,
  NGINX_SETTINGS,
  NGINX_SETTING_KEYS,
  assertNginxSettingKey,
  normalizeNginxSetting,
} from './nginx-settings.js';
import type { NginxProxy } from './proxy.js';

const LOG_LINES = 100;

/** nginx:*: settings, the rendered config, validation and logs of the managed nginx. */
export function registerNginxCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store } = api;

  commands.register({
    name: 'nginx:set',
    summary: `Set an nginx setting of an app or of every app (${NGINX_SETTING_KEYS.join(', ')})`,
    usage: 'APP|--global KEY [VALUE]',
    description: [
      'Without VALUE the setting goes back to the global value, or its default:',
      ...NGINX_SETTING_KEYS.map((key) => `  ${key} (default ${NGINX_SETTINGS[key].default}): ${NGINX_SETTINGS[key].hint}`),
      'hsts sends Strict-Transport-Security on https; http always redirects to https once the app has a certificate.',
    ].join('\n'),
    examples: ['paas nginx:set blog client-max-body-size 50m', 'paas nginx:set --global proxy-read-timeout 120s'],
    flags: { global: { type: 'boolean', description: 'set it for every app that has no value of its own' } },
    arity: [1, 3],
    async handler({ args, flags, stdout }) {
      const global = flags.global === true;
      const [name, key, value] = global ? [undefined, ...args] : args;
      if (!global && name === undefined) throw new UserError('give an APP, or --global');
      if (key === undefined || (global && args.length > 2)) {
        throw new UserError('usage: paas nginx:set APP|--global KEY [VALUE]');
      }
      const app = name === undefined ? undefined : requireApp(store, name);
      const setting = assertNginxSettingKey(key);
      const normalized = value === undefined ? undefined : normalizeNginxSetting(setting, value);
      const result = await proxy.change({ subject: app?.name }, (pending) =>
        pending.set(app?.id ?? null, NGINX_NAMESPACE, setting, normalized),
      );
      const scope = app ? app.name : 'every app';
      writeLine(stdout, normalized === undefined ? `-----> Unset ${setting} for ${scope}` : `-----> Set ${setting} to ${normalized} for ${scope}`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'nginx:report',
    summary: "Show an app's nginx settings and files",
    usage: 'APP',
    examples: ['paas nginx:report blog', 'paas nginx:report blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name!);
      const state = proxy.appState(app.name)!;
      const logs = appLogs(proxy.layout, app.name);
      const report = {
        ...state.settings,
        config: proxy.tree.absolute(TREE.app(app.name)),
        accessLog: logs.access,
        errorLog: logs.error,
        running: proxy.nginx.runningPid() !== undefined,
      };
      if (flags.format === 'json') return writeJson(stdout, report);
      stdout.write(
        renderReport(`${app.name} nginx information`, [
          ...NGINX_SETTING_KEYS.map((key) => [`Nginx ${key}`, state.settings[key]] as [string, string]),
          ['Nginx config', report.config],
          ['Nginx access log', report.accessLog],
          ['Nginx error log', report.errorLog],
          ['Nginx running', String(report.running)],
        ]),
      );
    },
  });

  commands.register({
    name: 'nginx:show-config',
    summary: "Print an app's nginx configuration as nginx runs it",
    usage: 'APP',
    examples: ['paas nginx:show-config blog'],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      const app = requireApp(store, name!);
      const content = proxy.tree.read(TREE.app(app.name));
      if (content === undefined) {
        throw new UserError(`${app.name} is not routed by nginx, so it has no configuration; give it a domain: paas domains:add ${app.name} DOMAIN`);
      }
      stdout.write(content);
    },
  });

  commands.register({
    name: 'nginx:validate-config',
    summary: 'Check the nginx configuration (of every app, or one) with nginx -t',
    usage: '[APP]',
    examples: ['paas nginx:validate-config', 'paas nginx:validate-config blog'],
    arity: [0, 1],
    async handler({ args: [name], stdout }) {
      const app = name === undefined ? undefined : requireApp(store, name);
      if (app && proxy.tree.read(TREE.app(app.name)) === undefined) {
        writeLine(stdout, `-----> ${app.name} is not routed by nginx (no domains), so there is nothing to check`);
        return;
      }
      const problem = await proxy.validateLive(app?.name);
      if (!problem) {
        writeLine(stdout, `-----> The nginx configuration${app ? ` of ${app.name}` : ''} is valid`);
        return;
      }
      const broken = app ? [] : [...(await proxy.brokenLiveApps()).keys()].map((path) => path.slice('apps/'.length, -'.conf'.length));
      const which = broken.length ? ` (refused: ${broken.join(', ')})` : '';
      throw new UserError(`the nginx configuration is invalid${which}: ${problem}`);
    },
  });

  for (const kind of ['access', 'error'] as const) {
    commands.register({
      name: `nginx:${kind}-logs`,
      summary: `Print the last lines of an app's nginx ${kind} log; with -t, follow it`,
      usage: 'APP [-t]',
      examples: [`paas nginx:${kind}-logs blog`, `paas nginx:${kind}-logs blog -t`],
      flags: { tail: { type: 'boolean', short: 't', description: 'keep printing new lines until interrupted' } },
      arity: [1, 1],
      async handler({ args: [name], flags, stdout, signal }) {
        const app = requireApp(store, name!);
        const file = appLogs(proxy.layout, app.name)[kind];
        await tailLog(file, { follow: flags.tail === true, lines: LOG_LINES, stdout, signal });
      },
    });
  }
}
