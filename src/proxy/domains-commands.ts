import type { FlagSpec } from '../core/command.js';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { PartApi } from '../daemon/part.js';
import { PROXY_KEYS, globalDomain, ownDomains, serializeDomains, usesGlobalDomain } from './app-state.js';
import { printChange } from './change-output.js';
import { globalVhost, isWildcard, normalizeDomain, reservedDomainProblem } from './domains.js';
import type { PendingProperties } from './pending-properties.js';
import type { NginxProxy } from './proxy.js';

const { domains: OWN, useGlobal: USE_GLOBAL, global: GLOBAL } = PROXY_KEYS;
const GLOBAL_WILDCARD: Record<string, FlagSpec> = {
  'global-wildcard': {
    type: 'boolean',
    description: 'allow a wildcard covering the global domain: the app gets every APP.GLOBAL that no app serves',
  },
};

/** domains:*: where each app is served (Dokku's names and shapes). */
export function registerDomainsCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store, settings } = api;
  const setOwn = (pending: PendingProperties, appId: number, domains: readonly string[]) =>
    pending.set(appId, OWN.namespace, OWN.key, domains.length ? serializeDomains(domains) : undefined);
  /** The domains, or a UserError when one is another app's default URL or an unasked-for global wildcard. */
  const claimable = (app: string, domains: string[], allowGlobalWildcard: boolean): string[] => {
    const global = globalDomain(store.properties, settings.domain);
    for (const domain of domains) {
      const problem = reservedDomainProblem(domain, app, global, allowGlobalWildcard);
      if (problem) throw new UserError(problem);
    }
    return domains;
  };
  const setUseGlobal = (pending: PendingProperties, appId: number, on: boolean) =>
    pending.set(appId, USE_GLOBAL.namespace, USE_GLOBAL.key, on ? undefined : 'off');

  commands.register({
    name: 'domains:add',
    summary: 'Serve an app on more domains',
    usage: '[--global-wildcard] APP DOMAIN...',
    description:
      'A domain is a host name (blog.example.com) or a wildcard (*.example.com), lowercased.\n' +
      'Each domain serves one app. nginx reloads once for the whole command.',
    examples: ['paas domains:add blog blog.example.com www.example.com', 'paas domains:add --global-wildcard catchall *.example.com'],
    flags: GLOBAL_WILDCARD,
    arity: [2, Infinity],
    async handler({ args: [name, ...rest], flags, stdout }) {
      const app = requireApp(store, name!);
      const added = claimable(app.name, rest.map(normalizeDomain), flags['global-wildcard'] === true);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        setOwn(pending, app.id, [...ownDomains(pending, app.id), ...added]);
      });
      writeLine(stdout, `-----> Added ${added.join(' ')} to ${app.name}`);
      printChange(stdout, result, proxy.urls(app.name));
    },
  });

  commands.register({
    name: 'domains:set',
    summary: "Replace an app's domains (the global one included)",
    usage: '[--global-wildcard] APP DOMAIN...',
    examples: ['paas domains:set blog blog.example.com'],
    flags: GLOBAL_WILDCARD,
    arity: [2, Infinity],
    async handler({ args: [name, ...rest], flags, stdout }) {
      const app = requireApp(store, name!);
      const domains = claimable(app.name, rest.map(normalizeDomain), flags['global-wildcard'] === true);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        setOwn(pending, app.id, domains);
        setUseGlobal(pending, app.id, false);
      });
      writeLine(stdout, `-----> ${app.name} is served at ${domains.join(' ')}`);
      printChange(stdout, result, proxy.urls(app.name));
    },
  });

  commands.register({
    name: 'domains:remove',
    summary: 'Stop serving an app on some domains',
    usage: 'APP DOMAIN...',
    description: 'Removing APP.GLOBAL (the global domain) turns it off for the app; domains:reset turns it back on.',
    examples: ['paas domains:remove blog www.example.com'],
    arity: [2, Infinity],
    async handler({ args: [name, ...rest], stdout }) {
      const app = requireApp(store, name!);
      const removed = rest.map(normalizeDomain);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        const own = ownDomains(pending, app.id);
        const vhost = usesGlobalDomain(pending, app.id) ? globalVhost(app.name, globalDomain(pending, settings.domain)) : undefined;
        for (const domain of removed) {
          if (!own.includes(domain) && domain !== vhost) {
            throw new UserError(`${domain} is not a domain of ${app.name}; see its domains with: paas domains:report ${app.name}`);
          }
        }
        setOwn(pending, app.id, own.filter((domain) => !removed.includes(domain)));
        if (vhost && removed.includes(vhost)) setUseGlobal(pending, app.id, false);
      });
      writeLine(stdout, `-----> Removed ${removed.join(' ')} from ${app.name}`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'domains:clear',
    summary: 'Remove every domain of an app (it is no longer routed)',
    usage: 'APP',
    examples: ['paas domains:clear blog'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const app = requireApp(store, name!);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        setOwn(pending, app.id, []);
        setUseGlobal(pending, app.id, false);
      });
      writeLine(stdout, `-----> Cleared the domains of ${app.name}`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'domains:reset',
    summary: 'Serve an app at APP.GLOBAL only, as a new app is',
    usage: 'APP',
    examples: ['paas domains:reset blog'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const app = requireApp(store, name!);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        setOwn(pending, app.id, []);
        setUseGlobal(pending, app.id, true);
      });
      const urls = proxy.urls(app.name);
      writeLine(stdout, urls.length ? `-----> Reset the domains of ${app.name}` : `-----> Reset the domains of ${app.name}; no global domain is set, so it is not routed`);
      printChange(stdout, result, urls);
    },
  });

  const globalRows = () => {
    const global = globalDomain(store.properties, settings.domain);
    return { 'global-enabled': String(global !== undefined), 'global-vhosts': global ?? '' };
  };
  registerTopic(api, {
    topic: 'domains',
    namespace: OWN.namespace,
    properties: [],
    fields(app) {
      const state = proxy.appState(app.name)!;
      return {
        'app-enabled': String(state.domains.length > 0),
        'app-vhosts': state.domains.join(' '),
        ...globalRows(),
        'global-vhost-enabled': String(usesGlobalDomain(store.properties, app.id)),
        urls: proxy.urls(app.name).join(' '),
      };
    },
    globalFields: globalRows,
  }, { setCommand: false, reportSummary: "Show an app's domains (or the global ones)", reportExampleKey: 'app-vhosts' });

  commands.register({
    name: 'domains:set-global',
    summary: 'Set the global domain: every app is served at APP.DOMAIN',
    usage: 'DOMAIN',
    description: 'It replaces PAAS_DOMAIN. Apps whose global domain was removed (domains:remove, domains:set) stay without it.',
    examples: ['paas domains:set-global example.com'],
    arity: [1, 1],
    async handler({ args: [value], stdout }) {
      const domain = normalizeDomain(value!);
      if (isWildcard(domain)) throw new UserError('the global domain cannot be a wildcard; give a domain like example.com');
      const result = await proxy.change({}, (pending) => pending.set(null, GLOBAL.namespace, GLOBAL.key, domain));
      writeLine(stdout, `-----> Apps are served at APP.${domain}`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'domains:clear-global',
    summary: 'Remove the global domain (PAAS_DOMAIN included)',
    usage: '',
    examples: ['paas domains:clear-global'],
    arity: [0, 0],
    async handler({ stdout }) {
      const result = await proxy.change({}, (pending) => pending.set(null, GLOBAL.namespace, GLOBAL.key, ''));
      writeLine(stdout, '-----> Cleared the global domain; apps are only served at their own domains');
      printChange(stdout, result);
    },
  });
}
