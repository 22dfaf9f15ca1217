import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import type { PostgresContext } from './context.js';
import { dataMountPath } from './docker-names.js';
import { DEFAULT_VERSION, preparePostgresImage } from './image.js';
import { linkUrl } from './link-env.js';
import {
  assertImage,
  assertImageVersion,
  assertPassword,
  assertServiceName,
  generatePassword,
  parseMemory,
} from './service-names.js';
import type { ServiceSpec } from './service-store.js';

/** postgres:create, :destroy, :start, :stop, :restart. */
export function registerLifecycleCommands(pg: PostgresContext): void {
  const { commands } = pg.api;
  const { containers } = pg;

  commands.register({
    name: 'postgres:create',
    summary: 'Create a postgres database service, with a persistent volume and a generated password',
    usage: 'NAME [--image IMG] [--image-version V] [--password P] [--memory MB]',
    description:
      'Runs the official postgres image when this server has it or can pull it; otherwise builds\n' +
      'paas/postgres:15 from Debian packages once (a few minutes) and reuses it after.\n' +
      'The service answers on its own network as paas-postgres-NAME:5432, database NAME (dashes as underscores);\n' +
      'only the apps linked to it (postgres:link) join that network.',
    examples: ['paas postgres:create blog-db', 'paas postgres:create reports --memory 512'],
    flags: {
      image: { type: 'string', description: 'image name, default postgres', placeholder: 'IMG' },
      'image-version': { type: 'string', description: `image tag, default ${DEFAULT_VERSION}`, placeholder: 'V' },
      password: {
        type: 'string',
        description: 'password of the postgres user (8-128 printable ASCII, no spaces, quotes or backslashes); default: generated',
        placeholder: 'P',
      },
      memory: { type: 'string', description: 'memory limit in megabytes; default: none', placeholder: 'MB' },
    },
    secrets: { flags: ['password'] },
    arity: [1, 1],
    async handler({ args: [rawName], flags, stdout }) {
      const name = assertServiceName(rawName!);
      if (pg.store.find(name) || pg.creating.has(name)) {
        throw new UserError(`postgres service "${name}" already exists; see: paas postgres:info ${name}`);
      }
      const password = flags.password === undefined ? generatePassword() : assertPassword(String(flags.password));
      const memoryMb = flags.memory === undefined ? null : parseMemory(String(flags.memory));
      const image = flags.image === undefined ? undefined : assertImage(String(flags.image));
      const version = flags['image-version'] === undefined ? undefined : assertImageVersion(String(flags['image-version']));
      pg.creating.add(name);
      let madeVolume = false;
      try {
        if ((await containers.state(name)).status !== 'missing') {
          throw new UserError(`a container ${containers.containerName(name)} is left from an earlier service; remove it with: docker rm -f ${containers.containerName(name)}`);
        }
        if (await containers.volumeExists(name)) {
          throw new UserError(
            `the data volume ${containers.volumeName(name)} is left from an earlier service "${name}"; ` +
              `pick another name, or delete that data with: docker volume rm ${containers.volumeName(name)}`,
          );
        }
        writeLine(stdout, `-----> Creating postgres service ${name}`);
        const ref = await preparePostgresImage(
          pg.docker,
          { image, version },
          (line) => writeLine(stdout, `       ${line}`),
          pg.api.paths.locks,
        );
        const spec: ServiceSpec = { name, image: ref, password, memoryMb, dataPath: dataMountPath(version ?? DEFAULT_VERSION) };
        await containers.createVolume(name);
        madeVolume = true;
        writeLine(stdout, `-----> Starting ${containers.containerName(name)} (${ref}${memoryMb ? `, ${memoryMb} MB` : ''})`);
        await containers.createContainer(spec);
        writeLine(stdout, `       Waiting for ${name} to accept connections`);
        await containers.waitReady(spec);
        pg.store.create(spec);
        writeLine(stdout, `=====> Postgres service ${name} created`);
        writeLine(stdout, `       DSN: ${linkUrl(spec)}`);
        writeLine(stdout, `       Link it to an app with: paas postgres:link ${name} APP`);
      } catch (error) {
        if (madeVolume) await containers.remove(name, true).catch(() => undefined);
        throw error;
      } finally {
        pg.creating.delete(name);
      }
    },
  });

  commands.register({
    name: 'postgres:destroy',
    summary: 'Delete a postgres service and its data (needs --force; refused while apps are linked)',
    usage: 'NAME --force',
    examples: ['paas postgres:destroy blog-db --force'],
    flags: { force: { type: 'boolean', description: 'confirm the deletion of the data' } },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const service = pg.requireService(name!);
      const links = pg.store.linksOf(service.name);
      if (links.length > 0) {
        throw new UserError(
          `postgres service ${service.name} is linked to ${links.map((l) => l.app).join(', ')}; ` +
            `unlink first: paas postgres:unlink ${service.name} ${links[0]!.app}`,
        );
      }
      if (!flags.force) {
        throw new UserError(
          `destroying ${service.name} deletes its data and cannot be undone; to go ahead run: paas postgres:destroy ${service.name} --force`,
        );
      }
      writeLine(stdout, `-----> Destroying postgres service ${service.name}`);
      await containers.remove(service.name, true);
      pg.store.remove(service.name);
      writeLine(stdout, `       Removed ${containers.containerName(service.name)} and its volume ${containers.volumeName(service.name)}`);
    },
  });

  commands.register({
    name: 'postgres:start',
    summary: 'Start a stopped postgres service',
    usage: 'NAME',
    examples: ['paas postgres:start blog-db'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = pg.requireService(name!);
      pg.store.setStopped(service.name, false);
      const result = await containers.ensureRunning(service);
      writeLine(stdout, `-----> ${result === 'running' ? 'Already running' : 'Starting'}: postgres service ${service.name}`);
      await containers.waitReady(service);
      writeLine(stdout, `       ${service.name} accepts connections`);
    },
  });

  commands.register({
    name: 'postgres:stop',
    summary: 'Stop a postgres service; it stays stopped (also across restarts) until postgres:start',
    usage: 'NAME',
    examples: ['paas postgres:stop blog-db'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = pg.requireService(name!);
      pg.store.setStopped(service.name, true);
      writeLine(stdout, `-----> Stopping postgres service ${service.name}`);
      await containers.stop(service.name);
      const apps = pg.store.linksOf(service.name).map((l) => l.app);
      if (apps.length) writeLine(stdout, `       ${apps.join(', ')} cannot reach it until: paas postgres:start ${service.name}`);
    },
  });

  commands.register({
    name: 'postgres:restart',
    summary: 'Restart a postgres service (linked apps lose their connections for a moment)',
    usage: 'NAME',
    examples: ['paas postgres:restart blog-db'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = pg.requireService(name!);
      pg.store.setStopped(service.name, false);
      writeLine(stdout, `-----> Restarting postgres service ${service.name}`);
      if ((await containers.state(service.name)).status === 'running') await containers.restart(service.name);
      else await containers.ensureRunning(service);
      await containers.waitReady(service);
      writeLine(stdout, `       ${service.name} accepts connections`);
    },
  });
}
