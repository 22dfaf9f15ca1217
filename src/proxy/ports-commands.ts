import { createServer } from 'node:net';
import type { Writable } from 'node:stream';
import type { FlagSpec } from '../core/command.js';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../core/output.js';
import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import { PROXY_KEYS, serializePortMap, storedPortMap, type PropertyReader } from './app-state.js';
import { printChange } from './change-output.js';
import type { PendingProperties } from './pending-properties.js';
import { registerTopic } from '../core/property-commands.js';
import {
  DEFAULT_CONTAINER_PORT,
  effectivePortMap,
  formatPortMapping,
  mergePortMaps,
  parsePortMapping,
  privilegedPorts,
  removeFromPortMap,
  reservedPorts,
  schemeClash,
  type PortMapping,
} from './port-map.js';
import { isRouted } from './render.js';
import { exposedServicePorts } from '../plugins/service-kit/usage.js';
import type { NginxProxy } from './proxy.js';

const { ports: PORTS } = PROXY_KEYS;
const MAPPING = 'scheme:host:container';
const FORCE: Record<string, FlagSpec> = {
  force: { type: 'boolean', description: 'map a host port below 1024 (other than 80 and 443) or one another program listens on' },
};

/** Whether another program listens on the port (nginx, which already does, is asked about first). */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** ports:*: which ports nginx listens on for an app, and where it sends the traffic. */
export function registerPortsCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store } = api;
  /** What ports:add and ports:remove start from: the stored map, else the default http one. */
  const baseMap = (pending: PropertyReader, app: AppRow): PortMapping[] =>
    storedPortMap(pending, app.id) ?? (proxy.appState(app.name)?.ports ?? []).filter((m) => m.scheme === 'http');
  const saveMap = (pending: PendingProperties, app: AppRow, map: readonly PortMapping[] | undefined) =>
    pending.set(app.id, PORTS.namespace, PORTS.key, map ? serializePortMap(map) : undefined);
  /**
   * Refused when set, not when nginx or a later certs:add trips over it: a port of a system
   * service or another program (unless --force), and a port carrying http for one mapping and
   * https for another, also for https mappings that wait for a certificate.
   */
  const checkMap = async (app: AppRow, map: readonly PortMapping[], force: boolean) => {
    const { settings } = api;
    const others = store.apps
      .list()
      .filter((other) => other.name !== app.name)
      .map((other) => proxy.appState(other.name))
      .filter((state): state is NonNullable<typeof state> => state !== undefined && isRouted(state))
      .map((state) => ({ app: state.name, ports: state.ports }));
    const clash = schemeClash([...others, { app: app.name, ports: map }], [...reservedPorts(settings), ...exposedServicePorts(store.db)]);
    if (clash) throw new UserError(clash);
    if (force) return;
    const privileged = privilegedPorts(map, [settings.httpPort, settings.httpsPort]);
    if (privileged.length) {
      throw new UserError(
        `host port ${privileged.join(', ')} is below 1024, where system services listen (ssh is 22); ` +
          'apps get 80 and 443, or ports from 1024 up; add --force to map it anyway',
      );
    }
    const served = new Set([settings.httpPort, settings.httpsPort, ...others.flatMap((o) => o.ports.map((m) => m.host))]);
    for (const { host } of map) {
      if (
        !served.has(host) &&
        !(proxy.appState(app.name)?.ports ?? []).some((m) => m.host === host) &&
        (await portInUse(settings.listen, host))
      ) {
        throw new UserError(`host port ${host} is in use by another program on this server; pick another, or add --force`);
      }
    }
  };
  const noteHttpsWithoutCert = (stdout: Writable, app: AppRow, map: readonly PortMapping[]) => {
    if (map.some((m) => m.scheme === 'https') && !proxy.appState(app.name)?.cert) {
      writeLine(stdout, `       https mappings take effect once ${app.name} has a certificate: paas certs:add ${app.name} ...`);
    }
  };

  commands.register({
    name: 'ports:list',
    summary: "List an app's port mappings (scheme, host port, container port)",
    usage: 'APP',
    description:
      `The default is http:PAAS_HTTP_PORT:5000 (or the port the image EXPOSEs). With a certificate, the app also gets\n` +
      'https:PAAS_HTTPS_PORT for each default http mapping, unless it has https mappings of its own.',
    examples: ['paas ports:list blog', 'paas ports:list blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      const ports = proxy.appState(app.name)?.ports ?? [];
      if (flags.format === 'json') return writeJson(stdout, ports);
      writeLine(stdout, `=====> ${app.name} port mappings${storedPortMap(store.properties, app.id) ? '' : ' (default)'}`);
      stdout.write(
        renderTable(
          ['SCHEME', 'HOST PORT', 'CONTAINER PORT'],
          ports.map((m) => [m.scheme, String(m.host), String(m.container)]),
        ),
      );
    },
  });

  registerTopic(
    api,
    {
      topic: 'ports',
      namespace: PORTS.namespace,
      properties: [],
      fields(app) {
        const state = proxy.appState(app.name);
        const upstream = state?.upstreams.find((u) => !u.backup) ?? state?.upstreams[0];
        const detected = effectivePortMap({
          stored: undefined,
          containerPort: upstream?.port ?? DEFAULT_CONTAINER_PORT,
          httpPort: api.settings.httpPort,
          httpsPort: api.settings.httpsPort,
          hasCert: state?.cert !== undefined,
        });
        return {
          map: (state?.ports ?? []).map(formatPortMapping).join(' '),
          'map-detected': detected.map(formatPortMapping).join(' '),
        };
      },
    },
    { setCommand: false, reportSummary: "Show an app's port map and the one paas would use by default", reportExampleKey: 'map' },
  );

  commands.register({
    name: 'ports:add',
    summary: 'Add port mappings to an app',
    usage: `[--force] APP ${MAPPING}...`,
    description: 'A mapping for a scheme and host port the app already has replaces it.',
    examples: ['paas ports:add blog http:8080:5000', 'paas ports:add blog https:443:5000', 'paas ports:add --force blog http:81:5000'],
    flags: FORCE,
    arity: [2, Infinity],
    async handler({ args: [name, ...rest], flags, stdout }) {
      const app = requireApp(store, name);
      const added = rest.map(parsePortMapping);
      const map = mergePortMaps(baseMap(store.properties, app), added);
      await checkMap(app, map, flags.force === true);
      const result = await proxy.change({ subject: app.name }, (pending) =>
        saveMap(pending, app, mergePortMaps(baseMap(pending, app), added)),
      );
      writeLine(stdout, `-----> Added ${added.map(formatPortMapping).join(' ')} to ${app.name}`);
      printChange(stdout, result, proxy.urls(app.name));
      noteHttpsWithoutCert(stdout, app, added);
    },
  });

  commands.register({
    name: 'ports:set',
    summary: "Replace an app's port mappings",
    usage: `[--force] APP ${MAPPING}...`,
    examples: ['paas ports:set blog http:80:3000'],
    flags: FORCE,
    arity: [2, Infinity],
    async handler({ args: [name, ...rest], flags, stdout }) {
      const app = requireApp(store, name);
      const map = mergePortMaps([], rest.map(parsePortMapping));
      await checkMap(app, map, flags.force === true);
      const result = await proxy.change({ subject: app.name }, (pending) => saveMap(pending, app, map));
      writeLine(stdout, `-----> ${app.name} maps ${map.map(formatPortMapping).join(' ')}`);
      printChange(stdout, result, proxy.urls(app.name));
      noteHttpsWithoutCert(stdout, app, map);
    },
  });

  commands.register({
    name: 'ports:remove',
    summary: 'Remove port mappings from an app (a whole mapping, or every mapping of a host port)',
    usage: `APP ${MAPPING}|HOST-PORT...`,
    examples: ['paas ports:remove blog http:8080:5000', 'paas ports:remove blog 8080'],
    arity: [2, Infinity],
    async handler({ args: [name, ...rest], stdout }) {
      const app = requireApp(store, name);
      const result = await proxy.change({ subject: app.name }, (pending) => {
        let map = baseMap(pending, app);
        for (const what of rest) {
          const next = removeFromPortMap(map, what);
          if (next.length === map.length) {
            throw new UserError(`${app.name} has no port mapping "${printable(what)}"; see them with: paas ports:list ${app.name}`);
          }
          map = next;
        }
        saveMap(pending, app, map);
      });
      writeLine(stdout, `-----> Removed ${rest.join(' ')} from ${app.name}`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'ports:clear',
    summary: "Go back to an app's default port mapping",
    usage: 'APP',
    examples: ['paas ports:clear blog'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const app = requireApp(store, name);
      const result = await proxy.change({ subject: app.name }, (pending) => saveMap(pending, app, undefined));
      writeLine(stdout, `-----> ${app.name} uses the default port mapping`);
      printChange(stdout, result, proxy.urls(app.name));
    },
  });
}
