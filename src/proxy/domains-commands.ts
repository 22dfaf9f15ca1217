import type { Writable } from 'node:stream';
import type { FlagSpec } from '../core/command.js';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { PartApi } from '../core/part.js';
import { PROXY_KEYS, globalDomains, ownDomains, serializeDomains, usesGlobalDomain, vhostsDisabled } from './app-state.js';
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
    const globals = globalDomains(store.properties, settings.domain);
    for (const domain of domains) {
      const problem = globals.map((global) => reservedDomainProblem(domain, app, global, allowGlobalWildcard)).find(Boolean);
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
      const app = requireApp(store, name);
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
      const app = requireApp(store, name);
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
      const app = requireApp(store, name);
      const removed = rest.map(normalizeDomain);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        const own = ownDomains(pending, app.id);
        const vhosts = usesGlobalDomain(pending, app.id)
          ? globalDomains(pending, settings.domain).map((global) => globalVhost(app.name, global)!)
          : [];
        for (const domain of removed) {
          if (!own.includes(domain) && !vhosts.includes(domain)) {
            throw new UserError(`${domain} is not a domain of ${app.name}; see its domains with: paas domains:report ${app.name}`);
          }
        }
        setOwn(
          pending,
          app.id,
          own.filter((domain) => !removed.includes(domain)),
        );
        if (vhosts.some((vhost) => removed.includes(vhost))) setUseGlobal(pending, app.id, false);
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
      const app = requireApp(store, name);
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
      const app = requireApp(store, name);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        setOwn(pending, app.id, []);
        setUseGlobal(pending, app.id, true);
      });
      const urls = proxy.urls(app.name);
      writeLine(
        stdout,
        urls.length
          ? `-----> Reset the domains of ${app.name}`
          : `-----> Reset the domains of ${app.name}; no global domain is set, so it is not routed`,
      );
      printChange(stdout, result, urls);
    },
  });

  const globalRows = () => {
    const globals = globalDomains(store.properties, settings.domain);
    return { 'global-enabled': String(globals.length > 0), 'global-vhosts': globals.join(' ') };
  };
  registerTopic(
    api,
    {
      topic: 'domains',
      namespace: OWN.namespace,
      properties: [],
      fields(app) {
        const state = proxy.appState(app.name)!;
        return {
          // Dokku's VHOST support: off after domains:disable.
          'app-enabled': String(state.domains.length > 0 && !vhostsDisabled(store.properties, app.id)),
          'app-vhosts': state.domains.join(' '),
          ...globalRows(),
          'global-vhost-enabled': String(usesGlobalDomain(store.properties, app.id)),
          urls: proxy.urls(app.name).join(' '),
        };
      },
      globalFields: globalRows,
    },
    { setCommand: false, reportSummary: "Show an app's domains (or the global ones)", reportExampleKey: 'app-vhosts' },
  );

  /** The global domains as given: lowercased, no wildcards. */
  const globalArgs = (values: readonly string[]): string[] =>
    values.map((value) => {
      const domain = normalizeDomain(value);
      if (isWildcard(domain)) throw new UserError('a global domain cannot be a wildcard; give a domain like example.com');
      return domain;
    });
  const setGlobals = async (stdout: Writable, change: (current: string[]) => string[]) => {
    let next: string[] = [];
    const result = await proxy.change({}, (pending) => {
      next = [...new Set(change(globalDomains(pending, settings.domain)))];
      pending.set(null, GLOBAL.namespace, GLOBAL.key, next.join(' '));
    });
    writeLine(
      stdout,
      next.length
        ? `-----> Apps are served at ${next.map((d) => `APP.${d}`).join(' ')}`
        : '-----> No global domain is left; apps are only served at their own domains',
    );
    printChange(stdout, result);
  };

  commands.register({
    name: 'domains:set-global',
    summary: 'Set the global domains: every app is served at APP.DOMAIN for each',
    usage: 'DOMAIN...',
    description:
      'They replace PAAS_DOMAIN and any global domain set before. Apps whose global domain was removed (domains:remove, domains:set) stay without it.',
    examples: ['paas domains:set-global example.com', 'paas domains:set-global example.com example.org'],
    arity: [1, Infinity],
    async handler({ args, stdout }) {
      const domains = globalArgs(args);
      await setGlobals(stdout, () => domains);
    },
  });

  commands.register({
    name: 'domains:add-global',
    summary: 'Add global domains: every app is also served at APP.DOMAIN',
    usage: 'DOMAIN...',
    examples: ['paas domains:add-global example.org'],
    arity: [1, Infinity],
    async handler({ args, stdout }) {
      const domains = globalArgs(args);
      await setGlobals(stdout, (current) => [...current, ...domains]);
    },
  });

  commands.register({
    name: 'domains:remove-global',
    summary: 'Remove global domains (apps are no longer served at APP.DOMAIN)',
    usage: 'DOMAIN...',
    examples: ['paas domains:remove-global example.org'],
    arity: [1, Infinity],
    async handler({ args, stdout }) {
      const domains = globalArgs(args);
      await setGlobals(stdout, (current) => {
        const missing = domains.find((domain) => !current.includes(domain));
        if (missing) throw new UserError(`${missing} is not a global domain; see them with: paas domains:report --global`);
        return current.filter((domain) => !domains.includes(domain));
      });
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
