import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../../core/output.js';
import { renderReport } from '../../core/reports.js';
import { streamContainerLogs } from '../../docker/logs.js';
import type { ServiceContext } from './context.js';
import { describeExposed } from './exposed-ports.js';
import { assertServiceName } from './names.js';
import type { ServiceRow } from './store.js';

/** `<plugin>:info --FIELD` prints just that value, as Dokku's `--dsn`, `--status`. */
const INFO_FIELDS = {
  dsn: 'the URL a linked app gets',
  status: 'running, restarting, stopped or missing',
  version: 'the image it runs',
  id: 'the container id',
  'internal-ip': 'its address on its own network (the one its linked apps join)',
  hostname: 'its stable hostname, for the apps linked to it',
  links: 'the linked apps',
  volume: 'the data volume',
  'data-dir': 'where the volume is mounted in the container',
  memory: 'the memory limit in MB',
  'exposed-ports': 'the host ports it is published on (expose), or -',
  'post-create-network': 'the networks it joins after it is made (set)',
  'post-start-network': 'the networks it joins when it starts (set)',
} as const;

/** `<plugin>:info`, `:list`, `:exists`, `:logs`. */
export function registerInfoCommands(pg: ServiceContext): void {
  const { commands } = pg.api;
  const { plugin, definition } = pg;
  const example = definition.exampleName;
  const extra = definition.extraInfo ?? {};
  const fields: Record<string, string> = {
    ...INFO_FIELDS,
    ...Object.fromEntries(Object.entries(extra).map(([field, { description }]) => [field, description])),
  };

  type Info = Record<keyof typeof INFO_FIELDS, string> & Record<string, string>;
  const info = async (service: ServiceRow): Promise<Info> => {
    const state = await pg.containers.state(service.name);
    return {
      dsn: pg.url(service),
      status: state.status,
      version: service.image,
      id: state.id ?? '',
      'internal-ip': state.ip ?? '',
      hostname: pg.containers.host(service.name),
      ...Object.fromEntries(Object.entries(extra).map(([field, { value }]) => [field, value(service)])),
      links: pg.store
        .linksOf(service.name)
        .map((l) => l.app)
        .join(' '),
      volume: pg.containers.volumeName(service.name),
      'data-dir': service.dataPath,
      memory: service.memoryMb === null ? 'unlimited' : String(service.memoryMb),
      'exposed-ports': service.exposed.length ? describeExposed(service.exposed, [definition.port]) : '-',
      'post-create-network': service.properties['post-create-network'] ?? '',
      'post-start-network': service.properties['post-start-network'] ?? '',
    };
  };

  commands.register({
    name: `${plugin}:info`,
    summary: `Show a ${plugin} service's status, URL, version and links (or one of them)`,
    usage: `NAME [${Object.keys(fields)
      .map((f) => `--${f}`)
      .join('|')}] [--format json]`,
    examples: [`paas ${plugin}:info ${example}`, `paas ${plugin}:info ${example} --dsn`],
    flags: {
      ...Object.fromEntries(Object.entries(fields).map(([field, description]) => [field, { type: 'boolean', description }])),
      ...FORMAT_FLAG,
    },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const service = pg.requireService(name);
      const asked = Object.keys(fields).filter((field) => flags[field] === true);
      if (asked.length > 1) throw new UserError(`${plugin}:info: give one field flag at a time (got --${asked.join(', --')})`);
      const values = await info(service);
      if (asked.length === 1) return writeLine(stdout, values[asked[0]]);
      if (flags.format === 'json') return writeJson(stdout, { name: service.name, createdAt: service.createdAt, ...values });
      const label = (field: string) => field.charAt(0).toUpperCase() + field.slice(1).replace(/-/g, ' ');
      stdout.write(
        renderReport(`${service.name} ${plugin} service information`, [
          ...(Object.entries(values) as Array<[string, string]>).map(([field, value]) => [label(field), value] as [string, string]),
          ['Created', service.createdAt],
        ]),
      );
    },
  });

  commands.register({
    name: `${plugin}:list`,
    summary: `List ${plugin} services`,
    usage: '[--format json]',
    examples: [`paas ${plugin}:list`],
    flags: FORMAT_FLAG,
    arity: [0, 0],
    async handler({ flags, stdout }) {
      const rows: Array<Info & { name: string }> = [];
      for (const service of pg.store.list()) rows.push({ name: service.name, ...(await info(service)) });
      if (flags.format === 'json') {
        return writeJson(
          stdout,
          rows.map((r) => ({ name: r.name, version: r.version, status: r.status, links: r.links ? r.links.split(' ') : [] })),
        );
      }
      stdout.write(
        renderTable(
          ['NAME', 'VERSION', 'STATUS', 'LINKS'],
          rows.map((r) => [r.name, r.version, r.status, r.links || '-']),
        ),
      );
    },
  });

  commands.register({
    name: `${plugin}:exists`,
    summary: `Exit 0 when a ${plugin} service exists, else 1`,
    usage: 'NAME',
    examples: [`paas ${plugin}:exists ${example} && echo yes`],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      assertServiceName(name);
      if (!pg.store.find(name)) throw new UserError(`${plugin} service "${name}" does not exist`);
      writeLine(stdout, `${plugin} service ${name} exists`);
    },
  });

  commands.register({
    name: `${plugin}:logs`,
    summary: `Show a ${plugin} service's logs (-t follows them)`,
    usage: 'NAME [-t] [-n N]',
    examples: [`paas ${plugin}:logs ${example}`, `paas ${plugin}:logs ${example} -t`],
    flags: {
      tail: { type: 'boolean', short: 't', description: 'keep following new lines' },
      num: { type: 'string', short: 'n', description: 'lines to show (default 100)', placeholder: 'N' },
    },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout, signal }) {
      const service = pg.requireService(name);
      const lines = flags.num === undefined ? 100 : Number(flags.num);
      if (!Number.isInteger(lines) || lines < 0)
        throw new UserError(`-n must be a whole number of lines (got "${printable(String(flags.num))}")`);
      const { status } = await pg.containers.state(service.name);
      if (status === 'missing')
        throw new UserError(`${plugin} service ${service.name} has no container; start it with: paas ${plugin}:start ${service.name}`);
      await streamContainerLogs(pg.docker, pg.containers.containerName(service.name), {
        tail: lines,
        follow: flags.tail === true,
        out: stdout,
        signal,
      });
    },
  });
}
