import type Docker from 'dockerode';
import { UserError } from '../core/errors.js';
import { FORMAT_FLAG, writeJson, writeLine } from '../core/output.js';
import { readProperty, type TopicSpec } from '../core/properties.js';
import { registerTopic } from '../core/property-commands.js';
import { renderReport } from '../core/reports.js';
import type { Part, PartApi } from '../core/part.js';
import { phaseOptions } from '../docker-options/app-options.js';
import { LABELS, serviceNetworkName } from '../deploy/naming.js';
import { ensureBridgeNetwork, networkExists, removeNetwork } from '../deploy/networks.js';
import type { AppRow } from '../store/apps.js';
import { servicesOnNetwork } from '../plugins/service-kit/usage.js';
import { assertNetworkName, parseNetworkList } from './network-names.js';

/** The label that names a network:create'd network by the name its user gave it. */
export const NETWORK_LABEL = 'paas.network-name';
const ATTACH_KEYS = ['attach-post-create', 'attach-post-deploy', 'initial-network'] as const;

/** The Docker name of a user network: the instance's prefix, so two daemons never share one. Pure. */
export function dockerNetworkName(instance: string, name: string): string {
  return serviceNetworkName(instance, 'network', name);
}

interface NetworkInfo {
  Name: string;
  Id: string;
  Created: string;
  Driver: string;
  Scope: string;
  Internal: boolean;
  EnableIPv6: boolean;
  Labels: Record<string, string>;
  Containers?: Record<string, { Name: string }>;
}

/**
 * Dokku's network plugin: bridge networks made with network:create, which apps join with
 * network:set (or docker-options --network). On such a network an app's processes answer to
 * `APP.PROCESS`, so apps on the same network reach each other by name; an app on none stays
 * alone on the paas network, where apps cannot reach each other.
 */
export function networkPart(): Part & { checkNetwork(name: string): Promise<void> } {
  let api: PartApi;
  const docker = (): Docker => api.docker;
  const dockerName = (name: string) => dockerNetworkName(api.instance, name);
  const checkNetwork = async (name: string) => {
    assertNetworkName(name);
    if (!(await networkExists(docker(), dockerName(name)))) {
      throw new UserError(`network ${name} does not exist; create it with: paas network:create ${name}`);
    }
  };
  return {
    name: 'network',
    topics: ['network'],
    description: 'network:create, :destroy, :list, :info, :set, :report: networks apps share',
    checkNetwork,
    register(partApi) {
      api = partApi;
      const { commands, store, events, networks } = partApi;
      const topic = networkTopic();

      /** The networks an app asked for (network:set, docker-options --network), by their given names. */
      const namesOf = (appId: number): string[] => {
        const set = ATTACH_KEYS.flatMap((key) => (readProperty(store.properties, topic, key, appId) ?? '').split(' ').filter(Boolean));
        const options = (['deploy', 'run'] as const).flatMap((phase) =>
          phaseOptions(store.properties, appId, phase)
            .filter((o) => o.flag === 'network' && o.value !== 'host')
            .map((o) => o.value!),
        );
        return [...new Set([...set, ...options])];
      };
      networks.add((appId) => namesOf(appId).map(dockerName));

      const usersOf = (name: string): AppRow[] => store.apps.list().filter((app) => namesOf(app.id).includes(name));
      const list = async (): Promise<NetworkInfo[]> => {
        const found = await docker().listNetworks({ filters: { label: [`${LABELS.instance}=${api.instance}`, NETWORK_LABEL] } });
        return (found as unknown as NetworkInfo[]).sort((a, b) => label(a).localeCompare(label(b)));
      };
      const find = async (name: string): Promise<NetworkInfo> => {
        assertNetworkName(name);
        const network = (await list()).find((n) => label(n) === name);
        if (!network) throw new UserError(`network ${name} does not exist; see: paas network:list`);
        return network;
      };

      commands.register({
        name: 'network:create',
        summary: 'Create a network that apps can join to reach each other by APP.PROCESS names',
        usage: 'NAME',
        description: 'Then: paas network:set APP attach-post-create NAME for each app, and ps:rebuild (or deploy) them.',
        examples: ['paas network:create backend'],
        arity: [1, 1],
        async handler({ args: [name], stdout }) {
          assertNetworkName(name);
          if (await networkExists(docker(), dockerName(name))) throw new UserError(`network ${name} already exists`);
          writeLine(stdout, `-----> Creating network ${name}`);
          await ensureBridgeNetwork(docker(), {
            name: dockerName(name),
            instance: api.instance,
            main: false,
            labels: { [NETWORK_LABEL]: name },
            // Containers on it may talk to each other: the point of the network.
            icc: true,
          });
        },
      });

      commands.register({
        name: 'network:destroy',
        summary: 'Destroy a network no app or service uses (needs --force)',
        usage: 'NAME --force',
        examples: ['paas network:destroy backend --force'],
        flags: { force: { type: 'boolean', description: 'confirm the destruction' } },
        arity: [1, 1],
        async handler({ args: [name], flags, stdout }) {
          await find(name);
          const users = usersOf(name);
          if (users.length) {
            throw new UserError(
              `network ${name} is used by ${users.map((a) => a.name).join(', ')}; take it out of their network:set and docker-options first`,
            );
          }
          const services = servicesOnNetwork(store.db, name);
          if (services.length) {
            throw new UserError(`network ${name} is used by ${services.join('; ')}; clear that setting first`);
          }
          if (!flags.force)
            throw new UserError(`destroying network ${name} cannot be undone; to go ahead run: paas network:destroy ${name} --force`);
          writeLine(stdout, `-----> Destroying network ${name}`);
          await removeNetwork(docker(), dockerName(name));
        },
      });

      commands.register({
        name: 'network:exists',
        summary: 'Exit 0 if a network exists, 1 if not',
        usage: 'NAME',
        examples: ['paas network:exists backend || paas network:create backend'],
        arity: [1, 1],
        async handler({ args: [name], stdout, stderr }) {
          assertNetworkName(name);
          if (await networkExists(docker(), dockerName(name))) {
            writeLine(stdout, 'Network exists');
            return 0;
          }
          writeLine(stderr, 'Network does not exist');
          return 1;
        },
      });

      commands.register({
        name: 'network:list',
        summary: 'List the networks made with network:create',
        usage: '[--format json]',
        examples: ['paas network:list', 'paas network:list --format json'],
        flags: FORMAT_FLAG,
        arity: [0, 0],
        async handler({ flags, stdout }) {
          const found = await list();
          if (flags.format === 'json') return writeJson(stdout, found.map(summary));
          writeLine(stdout, '=====> Networks');
          for (const network of found) writeLine(stdout, label(network));
        },
      });

      commands.register({
        name: 'network:info',
        summary: 'Show a network: Docker id and name, driver, and the apps on it',
        usage: 'NAME [--format json]',
        examples: ['paas network:info backend', 'paas network:info backend --format json'],
        flags: FORMAT_FLAG,
        arity: [1, 1],
        async handler({ args: [name], flags, stdout }) {
          const network = await find(name);
          const apps = usersOf(name).map((a) => a.name);
          if (flags.format === 'json') return writeJson(stdout, { ...summary(network), Apps: apps });
          stdout.write(
            renderReport(`${name} network information`, [
              ['ID', network.Id.slice(0, 12)],
              ['Name', name],
              ['Docker name', network.Name],
              ['Driver', network.Driver],
              ['Scope', network.Scope],
              ['Apps', apps.join(' ')],
            ]),
          );
        },
      });

      registerTopic(partApi, topic, {
        setDescription:
          "Networks (made with network:create) an app's processes, deploy tasks and one-off runs join besides the paas network;\n" +
          'several may be given, separated by spaces or commas. The change applies to running containers at once.',
        setExamples: [
          'paas network:set blog attach-post-create backend',
          'paas network:set blog attach-post-create',
          'paas network:set --global initial-network shared',
        ],
        reportSummary: "Show an app's network settings",
        async apply(change) {
          for (const name of (change.value ?? '').split(' ').filter(Boolean)) await checkNetwork(name);
          store.properties.set(change.app?.id ?? null, change.namespace, change.key, change.value);
          const apps = change.app ? [change.app] : store.apps.list();
          for (const app of apps) await events.emit('app-networks-changed', { app: app.name });
        },
      });
    },
  };
}

function networkTopic(): TopicSpec {
  const networks = (single: boolean) => (value: string) => parseNetworkList(value, single);
  return {
    topic: 'network',
    namespace: 'network',
    properties: [
      {
        key: 'attach-post-create',
        scope: 'app+global',
        summary: 'networks joined when a container is made, before it starts',
        validate: networks(false),
      },
      {
        key: 'attach-post-deploy',
        scope: 'app+global',
        summary: 'networks joined by the processes (paas joins them before the checks too)',
        validate: networks(false),
      },
      {
        key: 'initial-network',
        scope: 'app+global',
        summary: 'a network joined from the start (the paas network stays the first)',
        validate: networks(true),
      },
      {
        key: 'bind-all-interfaces',
        scope: 'app+global',
        summary: 'kept for Dokku scripts; it changes nothing yet (proxy:disable decides what web publishes)',
        default: 'false',
        validate(value) {
          if (value !== 'true' && value !== 'false') throw new UserError('bind-all-interfaces is true or false');
          return value;
        },
      },
    ],
  };
}

function label(network: NetworkInfo): string {
  return network.Labels?.[NETWORK_LABEL] ?? network.Name;
}

/** Dokku's JSON fields for a network (network:list, network:info). */
function summary(network: NetworkInfo) {
  return {
    CreatedAt: network.Created,
    DokkuManaged: true,
    Driver: network.Driver,
    ID: network.Id.slice(0, 12),
    Internal: network.Internal,
    IPv6: network.EnableIPv6,
    Labels: network.Labels ?? {},
    Name: label(network),
    DockerName: network.Name,
    Scope: network.Scope,
  };
}
