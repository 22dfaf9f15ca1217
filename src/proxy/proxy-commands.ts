import type { Writable } from 'node:stream';
import type { CommandContext } from '../core/command.js';
import { UserError } from '../core/errors.js';
import { EVERY_APP_FLAGS, cpuCount, forEachApp, parallelism, targetApps } from '../core/every-app.js';
import { writeLine } from '../core/output.js';
import type { PartApi } from '../core/part.js';
import { registerTopic } from '../core/property-commands.js';
import { trueOrFalse } from '../core/properties.js';
import type { AppRow } from '../store/apps.js';
import { PROXY_KEYS, isProxyDisabled, storedPortMap } from './app-state.js';
import { readCertInfo } from './certs.js';
import { printChange } from './change-output.js';
import { formatPortMapping } from './port-map.js';
import type { NginxProxy } from './proxy.js';
import { hostPort } from './upstreams.js';

const { disabled: DISABLED } = PROXY_KEYS;

/** proxy:enable, proxy:disable, proxy:set and proxy:report (Dokku's proxy plugin, nginx only). */
export function registerProxyCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store, events } = api;

  /**
   * Turns nginx off for an app (its web container then publishes the app's own port mappings on
   * the host) or back on. Disabling drops the app from nginx first, so the ports are free when the
   * new web container publishes them; enabling replaces the web container first, and its switch
   * routes nginx again. Either way the web containers are replaced stop-then-start.
   */
  const setDisabled = async (app: AppRow, disabled: boolean, stdout: Writable): Promise<void> => {
    if (isProxyDisabled(store.properties, app.id) === disabled) {
      writeLine(stdout, `-----> The proxy of ${app.name} is ${disabled ? 'disabled' : 'enabled'} already`);
      return;
    }
    writeLine(stdout, `-----> ${disabled ? 'Disabling' : 'Enabling'} proxy for app ${app.name}`);
    if (disabled) {
      if (!storedPortMap(store.properties, app.id)?.length) {
        throw new UserError(
          `${app.name} has no port mappings of its own, and its default one is nginx's port; ` +
            `give it one first, e.g.: paas ports:set ${app.name} http:8080:5000`,
        );
      }
      const result = await proxy.change({ subject: app.name }, (pending) => pending.set(app.id, DISABLED.namespace, DISABLED.key, 'true'));
      printChange(stdout, result);
    } else {
      store.properties.set(app.id, DISABLED.namespace, DISABLED.key, undefined);
    }
    try {
      await events.emit('proxy-publish-changed', { app: app.name, output: stdout });
    } catch (error) {
      // Back as it was: the app keeps being served the way it was before the command.
      store.properties.set(app.id, DISABLED.namespace, DISABLED.key, disabled ? undefined : 'true');
      await proxy.change({ subject: app.name }).catch(() => undefined);
      await events.emit('proxy-publish-changed', { app: app.name, output: stdout }).catch(() => undefined);
      throw error;
    }
    const result = await proxy.change({ subject: app.name });
    printChange(stdout, result, proxy.urls(app.name));
  };

  const everyApp = async (ctx: CommandContext, disabled: boolean) => {
    const verb = disabled ? 'disable' : 'enable';
    const { apps } = targetApps(store, ctx.args, ctx.flags, `paas proxy:${verb} [--parallel N] [--all|APP]`);
    await forEachApp(apps, parallelism(ctx.flags.parallel, cpuCount()), ctx.stderr, (app) => setDisabled(app, disabled, ctx.stdout));
  };

  commands.register({
    name: 'proxy:disable',
    summary: "Stop serving an app through nginx: its web container publishes the app's own ports on the host instead",
    usage: '[--parallel N] [--all|APP]',
    description:
      'nginx drops the app (its domains no longer answer), and its web container is replaced by one that\n' +
      "publishes the app's port mappings (ports:set) on PAAS_LISTEN: http:8080:5000 publishes container\n" +
      'port 5000 on host port 8080. The app needs mappings of its own, on ports nginx and paas do not use;\n' +
      'only one web container can run then (a host port is published once), and redeploys stop the old\n' +
      'container before the new one starts. No other container or port is published.',
    examples: ['paas ports:set blog http:8080:5000 && paas proxy:disable blog', 'paas proxy:disable --all'],
    flags: EVERY_APP_FLAGS,
    arity: [0, 1],
    handler: (ctx) => everyApp(ctx, true),
  });

  commands.register({
    name: 'proxy:enable',
    summary: 'Serve an app through nginx again (after proxy:disable); its web container publishes nothing',
    usage: '[--parallel N] [--all|APP]',
    examples: ['paas proxy:enable blog', 'paas proxy:enable --all --parallel 2'],
    flags: EVERY_APP_FLAGS,
    arity: [0, 1],
    handler: (ctx) => everyApp(ctx, false),
  });

  registerTopic(
    api,
    {
      topic: 'proxy',
      namespace: 'proxy',
      properties: [
        {
          key: 'type',
          scope: 'app+global',
          summary: 'the proxy in front of the app; paas has one: nginx',
          default: 'nginx',
          validate(value) {
            if (value !== 'nginx') throw new UserError(`paas has one proxy, nginx (got "${value}")`);
            return value;
          },
        },
        ...(['proxy-port', 'proxy-ssl-port'] as const).map((key) => ({
          key,
          scope: 'app+global' as const,
          summary: `the port nginx serves the app on ${key === 'proxy-port' ? '(http)' : '(https, with a certificate)'} while its domains are disabled (domains:disable)`,
          validate(value: string) {
            const port = Number(value);
            if (!/^\d{1,5}$/.test(value) || port < 1 || port > 65535) throw new UserError(`${key} must be a port number from 1 to 65535`);
            return String(port);
          },
        })),
        {
          key: DISABLED.key,
          scope: 'app',
          summary: 'true: nginx does not serve the app, its web container publishes its ports (as proxy:disable)',
          default: 'false',
          validate: trueOrFalse('disabled'),
        },
      ],
      fields(row) {
        const state = proxy.appState(row.name);
        const info = state?.cert && readCertInfo(state.cert.crt);
        return {
          enabled: String(!isProxyDisabled(store.properties, row.id)),
          'config-cleared': String(state?.configCleared === true),
          domains: state?.domains.join(' ') ?? '',
          ports: state?.ports.map(formatPortMapping).join(' ') ?? '',
          upstreams: state?.upstreams.map((u) => hostPort(u.host, u.port)).join(' ') ?? '',
          ssl: info ? `${info.hostnames.join(' ')} (expires ${info.expiresAt.slice(0, 10)})` : '',
        };
      },
    },
    {
      reportSummary: "Show an app's proxy: type, enabled, domains, ports, upstreams and certificate",
      setExamples: ['paas proxy:set blog type nginx', 'paas proxy:set blog disabled true', 'paas proxy:set internal-api proxy-port 5000'],
      // `disabled` goes through the same steps as proxy:enable and proxy:disable.
      async apply(change, ctx) {
        if (change.property.key === DISABLED.key && change.app) {
          await setDisabled(change.app, change.value === 'true', ctx.stdout);
          return;
        }
        if (change.property.key === 'type') {
          store.properties.set(change.app?.id ?? null, change.namespace, change.key, change.value);
          return;
        }
        // nginx may serve on the new port at once (domains disabled): checked and reloaded as any change.
        const result = await proxy.change({ subject: change.app?.name }, (pending) =>
          pending.set(change.app?.id ?? null, change.namespace, change.key, change.value),
        );
        if (result.reloaded) printChange(ctx.stdout, result, change.app ? proxy.urls(change.app.name) : []);
      },
    },
  );
}
