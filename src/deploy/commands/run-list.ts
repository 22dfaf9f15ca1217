import type Docker from 'dockerode';
import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../../core/output.js';
import type { AppRow } from '../../store/apps.js';
import { streamContainerLogs } from '../../docker/logs.js';
import { LABELS } from '../naming.js';
import type { DeployServices } from '../services.js';

interface OneOff {
  id: string;
  name: string;
  state: string;
  command: string;
  createdAt: string;
}

/** The app's one-off containers (run, run:detached, cron), newest first. */
async function oneOffs(docker: Docker, instance: string, app: AppRow): Promise<OneOff[]> {
  const labels = [`${LABELS.instance}=${instance}`, `${LABELS.appId}=${app.id}`, `${LABELS.role}=one-off`];
  const containers = await docker.listContainers({ all: true, filters: { label: labels } });
  return containers
    .sort((a, b) => b.Created - a.Created)
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State,
      command: c.Command,
      createdAt: new Date(c.Created * 1000).toISOString(),
    }));
}

/** One of the app's one-off containers by name or id (prefix); refused when it is another app's. */
function pick(list: readonly OneOff[], app: AppRow, wanted: string): OneOff {
  const found = list.find((c) => c.name === wanted.replace(/^\//, '') || (wanted.length >= 6 && c.id.startsWith(wanted)));
  if (!found) throw new UserError(`${app.name} has no one-off container "${printable(wanted)}"; see: paas run:list ${app.name}`);
  return found;
}

/** run:list, run:logs and run:stop: the one-off containers of an app, as in Dokku. */
export function registerRunListCommands(services: DeployServices): void {
  const { api, docker } = services;
  const { commands, store } = api;
  const CONTAINER_FLAG = {
    container: { type: 'string', description: 'one container (name or id) instead of all', placeholder: 'NAME' },
  } as const;

  commands.register({
    name: 'run:list',
    summary: "List an app's one-off containers (run, run:detached, cron)",
    usage: 'APP [--format json]',
    examples: ['paas run:list blog', 'paas run:list blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      const list = await oneOffs(docker, api.instance, app);
      if (flags.format === 'json') {
        return writeJson(
          stdout,
          list.map((c) => ({ name: c.name, state: c.state, command: c.command, created_at: c.createdAt })),
        );
      }
      writeLine(stdout, `=====> ${app.name} run containers`);
      stdout.write(
        renderTable(
          ['NAMES', 'STATE', 'COMMAND', 'CREATED'],
          list.map((c) => [c.name, c.state, c.command, c.createdAt]),
        ),
      );
    },
  });

  commands.register({
    name: 'run:logs',
    summary: "Show the output of an app's one-off containers (all, or one); -t follows it",
    usage: 'APP [CONTAINER] [-t] [-n N]',
    examples: ['paas run:logs blog', 'paas run:logs blog paas-1a2b-blog.run.1-c0ffee -t'],
    flags: {
      ...CONTAINER_FLAG,
      tail: { type: 'boolean', short: 't', description: 'keep following new lines' },
      num: { type: 'string', short: 'n', description: 'lines to show from each container (default 100)', placeholder: 'N' },
    },
    arity: [1, 2],
    async handler({ args: [name, positional], flags, stdout, signal }) {
      const app = requireApp(store, name);
      const lines = flags.num === undefined ? 100 : Number(flags.num);
      if (!Number.isInteger(lines) || lines < 0) throw new UserError('-n must be a whole number of lines');
      const list = await oneOffs(docker, api.instance, app);
      const wanted = positional ?? (typeof flags.container === 'string' ? flags.container : undefined);
      const chosen = wanted === undefined ? list : [pick(list, app, wanted)];
      if (chosen.length === 0) throw new UserError(`${app.name} has no one-off containers; see: paas run:list ${app.name}`);
      await Promise.all(
        chosen.map((c) =>
          streamContainerLogs(docker, c.id, { tail: lines, follow: flags.tail === true, out: stdout, signal }).catch(() => undefined),
        ),
      );
    },
  });

  commands.register({
    name: 'run:stop',
    summary: "Stop an app's one-off containers (all, or one); prints their names",
    usage: 'APP [CONTAINER]',
    examples: ['paas run:stop blog', 'paas run:stop blog paas-1a2b-blog.run.1-c0ffee'],
    flags: CONTAINER_FLAG,
    arity: [1, 2],
    async handler({ args: [name, positional], flags, stdout }) {
      const app = requireApp(store, name);
      const list = (await oneOffs(docker, api.instance, app)).filter((c) => c.state === 'running');
      const wanted = positional ?? (typeof flags.container === 'string' ? flags.container : undefined);
      const chosen = wanted === undefined ? list : [pick(list, app, wanted)];
      for (const c of chosen) {
        await docker
          .getContainer(c.id)
          .stop({ t: 10 })
          .catch(() => undefined);
        writeLine(stdout, c.name);
      }
    },
  });
}
