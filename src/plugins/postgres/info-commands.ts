import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../../core/output.js';
import { renderReport } from '../../core/reports.js';
import { streamContainerLogs } from '../../deploy/docker-logs.js';
import type { PostgresContext } from './context.js';
import { linkUrl, serviceHost } from './link-env.js';
import { assertServiceName, databaseName } from './service-names.js';
import type { ServiceRow } from './service-store.js';

/** `postgres:info --FIELD` prints just that value, as Dokku's `--dsn`, `--status`. */
const INFO_FIELDS = {
  dsn: 'the URL a linked app gets',
  status: 'running, restarting, stopped or missing',
  version: 'the image it runs',
  id: 'the container id',
  'internal-ip': 'its address on its own network (the one its linked apps join)',
  hostname: 'its stable hostname, for the apps linked to it',
  database: 'the database name',
  links: 'the linked apps',
  volume: 'the data volume',
  'data-dir': 'where the volume is mounted in the container',
  memory: 'the memory limit in MB',
} as const;
type InfoField = keyof typeof INFO_FIELDS;

/** postgres:info, :list, :exists, :logs. */
export function registerInfoCommands(pg: PostgresContext): void {
  const { commands } = pg.api;

  const info = async (service: ServiceRow): Promise<Record<InfoField, string>> => {
    const state = await pg.containers.state(service.name);
    return {
      dsn: linkUrl(service),
      status: state.status,
      version: service.image,
      id: state.id ?? '',
      'internal-ip': state.ip ?? '',
      hostname: serviceHost(service.name),
      database: databaseName(service.name),
      links: pg.store
        .linksOf(service.name)
        .map((l) => l.app)
        .join(' '),
      volume: pg.containers.volumeName(service.name),
      'data-dir': service.dataPath,
      memory: service.memoryMb === null ? 'unlimited' : String(service.memoryMb),
    };
  };

  commands.register({
    name: 'postgres:info',
    summary: "Show a postgres service's status, URL, version and links (or one of them)",
    usage: `NAME [${Object.keys(INFO_FIELDS)
      .map((f) => `--${f}`)
      .join('|')}] [--format json]`,
    examples: ['paas postgres:info blog-db', 'paas postgres:info blog-db --dsn'],
    flags: {
      ...Object.fromEntries(Object.entries(INFO_FIELDS).map(([field, description]) => [field, { type: 'boolean', description }])),
      ...FORMAT_FLAG,
    },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const service = pg.requireService(name!);
      const fields = (Object.keys(INFO_FIELDS) as InfoField[]).filter((field) => flags[field] === true);
      if (fields.length > 1) throw new UserError(`postgres:info: give one field flag at a time (got --${fields.join(', --')})`);
      const values = await info(service);
      if (fields.length === 1) return writeLine(stdout, values[fields[0]!]);
      if (flags.format === 'json') return writeJson(stdout, { name: service.name, createdAt: service.createdAt, ...values });
      const label = (field: string) => field.charAt(0).toUpperCase() + field.slice(1).replace(/-/g, ' ');
      stdout.write(
        renderReport(`${service.name} postgres service information`, [
          ...(Object.entries(values) as Array<[string, string]>).map(([field, value]) => [label(field), value] as [string, string]),
          ['Created', service.createdAt],
        ]),
      );
    },
  });

  commands.register({
    name: 'postgres:list',
    summary: 'List postgres services',
    usage: '[--format json]',
    examples: ['paas postgres:list'],
    flags: FORMAT_FLAG,
    arity: [0, 0],
    async handler({ flags, stdout }) {
      const rows = [];
      for (const service of pg.store.list()) rows.push({ name: service.name, ...(await info(service)) });
      if (flags.format === 'json') {
        return writeJson(
          stdout,
          rows.map((r) => ({ name: r.name, version: r.version, status: r.status, links: r.links ? r.links.split(' ') : [] })),
        );
      }
      stdout.write(renderTable(['NAME', 'VERSION', 'STATUS', 'LINKS'], rows.map((r) => [r.name, r.version, r.status, r.links || '-'])));
    },
  });

  commands.register({
    name: 'postgres:exists',
    summary: 'Exit 0 when a postgres service exists, else 1',
    usage: 'NAME',
    examples: ['paas postgres:exists blog-db && echo yes'],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      assertServiceName(name!);
      if (!pg.store.find(name!)) throw new UserError(`postgres service "${name}" does not exist`);
      writeLine(stdout, `postgres service ${name} exists`);
    },
  });

  commands.register({
    name: 'postgres:logs',
    summary: "Show a postgres service's logs (-t follows them)",
    usage: 'NAME [-t] [-n N]',
    examples: ['paas postgres:logs blog-db', 'paas postgres:logs blog-db -t'],
    flags: {
      tail: { type: 'boolean', short: 't', description: 'keep following new lines' },
      num: { type: 'string', short: 'n', description: 'lines to show (default 100)', placeholder: 'N' },
    },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout, signal }) {
      const service = pg.requireService(name!);
      const lines = flags.num === undefined ? 100 : Number(flags.num);
      if (!Number.isInteger(lines) || lines < 0) throw new UserError(`-n must be a whole number of lines (got "${printable(String(flags.num))}")`);
      const { status } = await pg.containers.state(service.name);
      if (status === 'missing') throw new UserError(`postgres service ${service.name} has no container; start it with: paas postgres:start ${service.name}`);
      await streamContainerLogs(pg.docker, pg.containers.containerName(service.name), { tail: lines, follow: flags.tail === true, out: stdout, signal });
    },
  });
}
