import { readCapped } from '../../core/read-capped.js';
import type { Readable } from 'node:stream';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import { dockerMessage } from '../../docker/errors.js';
import { REGISTRY_TOPIC, loggedInServers, saveLogin, validServer } from '../image-registry.js';
import { SCHEDULER_TOPIC, SWARM_TOPIC } from '../scheduler-topics.js';
import type { DeployServices } from '../services.js';

/** The most of a password read from standard input. */
const MAX_PASSWORD_BYTES = 4096;

async function readPassword(stdin: Readable): Promise<string> {
  const bytes = await readCapped(stdin, MAX_PASSWORD_BYTES, 'the password on standard input is too long');
  return bytes.toString('utf8').replace(/\r?\n$/, '');
}

/** scheduler:*, scheduler-swarm:*, registry:*: choosing the swarm scheduler and its registry. */
export function registerSwarmCommands(services: DeployServices): void {
  const { api, docker } = services;
  const { commands, store } = api;

  registerTopic(api, SCHEDULER_TOPIC, {
    setDescription:
      'docker-local runs the app as containers on this server; swarm runs it as Swarm services across the nodes ' +
      '(paas nodes:add) with images from the registry (paas registry:set). The change applies from the next deploy or ps:restart.',
    setExamples: [
      'paas scheduler:set blog selected swarm',
      'paas scheduler:set --global selected docker-local',
      'paas scheduler:set blog selected',
    ],
    reportSummary: 'Show which scheduler runs one app or every app',
  });

  registerTopic(api, SWARM_TOPIC, {
    setDescription: "Settings of the swarm scheduler: where an app's tasks may run, and the address the swarm is started with.",
    setExamples: [
      'paas scheduler-swarm:set --global manager-address 10.0.0.1',
      'paas scheduler-swarm:set blog placement node.labels.zone==eu1',
      'paas scheduler-swarm:set blog placement',
    ],
    reportSummary: 'Show the swarm scheduler settings of one app or every app',
  });

  registerTopic(
    api,
    {
      ...REGISTRY_TOPIC,
      globalFields: () => ({ 'logged-in-servers': loggedInServers(store.properties).join(' ') }),
    },
    {
      setDescription:
        "Swarm nodes pull an app's release images from this registry; paas pushes each release there before the services change.",
      setExamples: ['paas registry:set --global server registry.example.com:5000', 'paas registry:set blog image-repo team/blog'],
      reportSummary: 'Show the registry settings of one app or every app',
    },
  );

  commands.register({
    name: 'registry:login',
    summary: 'Store the credentials paas and the swarm nodes use for a registry',
    usage: '[--password-stdin] SERVER USERNAME [PASSWORD]',
    description:
      "The registry checks the credentials first; they are kept in the daemon's database and never printed. " +
      'With --password-stdin the password is read from standard input (it stays out of shell history).',
    examples: [
      'echo "$TOKEN" | paas registry:login --password-stdin registry.example.com:5000 deploy',
      'paas registry:login ghcr.io me TOKEN',
    ],
    flags: { 'password-stdin': { type: 'boolean', description: 'read the password from standard input' } },
    secrets: { args: 2 },
    arity: [2, 3],
    async handler({ args: [serverArg, username, passwordArg], flags, stdin, stdout }) {
      const server = validServer(serverArg);
      if ((passwordArg === undefined) === (flags['password-stdin'] !== true)) {
        throw new UserError('give the password either as the third argument or with --password-stdin, not both or neither');
      }
      const password = passwordArg ?? (await readPassword(stdin));
      if (!password) throw new UserError('the password is empty');
      try {
        await docker.checkAuth({ username: username, password, serveraddress: server });
      } catch (error) {
        throw new UserError(`${printable(server)} refused the login: ${dockerMessage(error)}`);
      }
      saveLogin(store.properties, server, { username: username, password });
      writeLine(stdout, `-----> Logged in to ${server} as ${printable(username)}`);
    },
  });

  commands.register({
    name: 'registry:logout',
    summary: 'Forget the credentials of a registry',
    usage: 'SERVER',
    examples: ['paas registry:logout registry.example.com:5000'],
    arity: [1, 1],
    handler({ args: [serverArg], stdout }) {
      const server = validServer(serverArg);
      if (!loggedInServers(store.properties).includes(server)) throw new UserError(`not logged in to ${server}`);
      saveLogin(store.properties, server, undefined);
      writeLine(stdout, `-----> Logged out of ${server}`);
    },
  });
}
