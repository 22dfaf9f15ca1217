import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { PropertyValues, TopicSpec } from '../core/properties.js';
import type { PartApi } from '../core/part.js';
import { printChange } from './change-output.js';
import { TREE, appLogs } from './layout.js';
import { tailLog } from './log-files.js';
import { NGINX_NAMESPACE, NGINX_SETTINGS, NGINX_SETTING_KEYS, normalizeNginxSetting, resolveNginxSettings } from './nginx-settings.js';
import type { NginxProxy } from './proxy.js';

const LOG_LINES = 100;

/** nginx:set / nginx:report: the settings nginx:set accepts, and the app's nginx files. */
function nginxTopic(proxy: NginxProxy): TopicSpec {
  return {
    topic: 'nginx',
    namespace: NGINX_NAMESPACE,
    properties: NGINX_SETTING_KEYS.map((key) => ({
      key,
      scope: 'globalOnly' in NGINX_SETTINGS[key] ? 'global' : 'app+global',
      variadic: 'variadic' in NGINX_SETTINGS[key],
      summary: NGINX_SETTINGS[key].hint,
      default: NGINX_SETTINGS[key].default,
      validate: (value: string) => normalizeNginxSetting(key, value),
      computed: (values: PropertyValues) => resolveNginxSettings({ [key]: values.app }, { [key]: values.global })[key],
    })),
    fields(app) {
      const logs = appLogs(proxy.layout, app.name);
      return {
        'config-path': proxy.tree.absolute(TREE.app(app.name)),
        'access-log-path': logs.access,
        'error-log-path': logs.error,
        running: String(proxy.nginx.runningPid() !== undefined),
      };
    },
  };
}

/** nginx:*: settings, the rendered config, validation and logs of the managed nginx. */
export function registerNginxCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store } = api;

  registerTopic(api, nginxTopic(proxy), {
    setDescription:
      'hsts sends Strict-Transport-Security on https; http always redirects to https once the app has a certificate.\n' +
      'Behind Cloudflare or a load balancer, list its addresses in trusted-proxies (--global): requests from them\n' +
      "take the client address from real-ip-header and keep their X-Forwarded-Proto; everyone else's are ignored.",
    setExamples: [
      'paas nginx:set --global trusted-proxies 173.245.48.0/20 103.21.244.0/22',
      'paas nginx:set --global real-ip-header cf-connecting-ip',
      'paas nginx:set blog client-max-body-size 50m',
      'paas nginx:set --global proxy-read-timeout 120s',
      'paas nginx:set blog client-max-body-size',
    ],
    reportSummary: "Show an app's nginx settings and files",
    async apply(change, { stdout }) {
      const result = await proxy.change({ subject: change.app?.name }, (pending) =>
        pending.set(change.app?.id ?? null, change.namespace, change.key, change.value),
      );
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'nginx:show-config',
    summary: "Print an app's nginx configuration as nginx runs it",
    usage: 'APP',
    examples: ['paas nginx:show-config blog'],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      const app = requireApp(store, name);
      const content = proxy.tree.read(TREE.app(app.name));
      if (content === undefined && proxy.appState(app.name)?.configCleared) {
        throw new UserError(`the nginx configuration of ${app.name} was cleared; write it again with: paas proxy:build-config ${app.name}`);
      }
      if (content === undefined) {
        throw new UserError(
          `${app.name} is not routed by nginx, so it has no configuration; give it a domain: paas domains:add ${app.name} DOMAIN`,
        );
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
        const app = requireApp(store, name);
        const file = appLogs(proxy.layout, app.name)[kind];
        await tailLog(file, { follow: flags.tail === true, lines: LOG_LINES, stdout, signal });
      },
    });
  }
}
