import type { Writable } from 'node:stream';
import type { FlagValues } from '../../core/command.js';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import type { ServiceContext } from './context.js';
import { assertImage, assertImageVersion, assertPassword, assertServiceName, generatePassword, parseMemory } from './names.js';
import type { ServiceRow, ServiceSpec } from './store.js';

/** `<plugin>:create`, `:destroy`, `:start`, `:stop`, `:pause`, `:restart`. */
export function registerLifecycleCommands(ctx: ServiceContext): void {
  const { commands } = ctx.api;
  const { plugin, definition } = ctx;
  const { image: images, exampleName: example } = definition;
  const host = `paas-${plugin}-NAME:${definition.port}`;

  commands.register({
    name: `${plugin}:create`,
    summary: `Create a ${plugin} ${definition.noun} service, with a persistent volume and a generated password`,
    usage: 'NAME [--image IMG] [--image-version V] [--password P] [--memory MB]',
    description:
      `Runs the official ${images.official} image when this server has it or can pull it` +
      (images.built ? `; otherwise builds\n${images.built.tag} from Debian packages once (a few minutes) and reuses it after.\n` : '.\n') +
      `The service answers on its own network as ${host};\n` +
      `only the apps linked to it (${plugin}:link) join that network.`,
    examples: [`paas ${plugin}:create ${example}`, `paas ${plugin}:create ${example} --memory 512`],
    flags: createFlags(ctx),
    secrets: { flags: ['password'] },
    arity: [1, 1],
    async handler({ args: [rawName], flags, stdout }) {
      const service = await createService(ctx, rawName, flags, stdout);
      writeLine(stdout, `=====> ${definition.title} service ${service.name} created`);
      writeLine(stdout, `       DSN: ${ctx.url(service)}`);
      writeLine(stdout, `       Link it to an app with: paas ${plugin}:link ${service.name} APP`);
    },
  });

  commands.register({
    name: `${plugin}:destroy`,
    summary: `Delete a ${plugin} service and its data (needs --force; refused while apps are linked)`,
    usage: 'NAME --force',
    examples: [`paas ${plugin}:destroy ${example} --force`],
    flags: { force: { type: 'boolean', short: 'f', description: 'confirm the deletion of the data' } },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const service = ctx.requireService(name);
      const links = ctx.store.linksOf(service.name);
      if (links.length > 0) {
        throw new UserError(
          `${plugin} service ${service.name} is linked to ${links.map((l) => l.app).join(', ')}; ` +
            `unlink first: paas ${plugin}:unlink ${service.name} ${links[0].app}`,
        );
      }
      if (!flags.force) {
        throw new UserError(
          `destroying ${service.name} deletes its data and cannot be undone; to go ahead run: paas ${plugin}:destroy ${service.name} --force`,
        );
      }
      writeLine(stdout, `-----> Destroying ${plugin} service ${service.name}`);
      await ctx.containers.remove(service.name, true);
      ctx.store.remove(service.name);
      ctx.backups?.forget(service.name);
      writeLine(
        stdout,
        `       Removed ${ctx.containers.containerName(service.name)} and its volume ${ctx.containers.volumeName(service.name)}`,
      );
    },
  });

  commands.register({
    name: `${plugin}:start`,
    summary: `Start a stopped ${plugin} service`,
    usage: 'NAME',
    examples: [`paas ${plugin}:start ${example}`],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = ctx.requireService(name);
      ctx.store.setStopped(service.name, false);
      const result = await ctx.containers.ensureRunning(service);
      writeLine(stdout, `-----> ${result === 'running' ? 'Already running' : 'Starting'}: ${plugin} service ${service.name}`);
      await ctx.containers.waitReady(service);
      writeLine(stdout, `       ${service.name} accepts connections`);
    },
  });

  commands.register({
    name: `${plugin}:stop`,
    summary: `Stop a ${plugin} service; it stays stopped (also across restarts) until ${plugin}:start`,
    usage: 'NAME',
    examples: [`paas ${plugin}:stop ${example}`],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = ctx.requireService(name);
      ctx.store.setStopped(service.name, true);
      writeLine(stdout, `-----> Stopping ${plugin} service ${service.name}`);
      await ctx.containers.stop(service.name);
      const apps = ctx.store.linksOf(service.name).map((l) => l.app);
      if (apps.length) writeLine(stdout, `       ${apps.join(', ')} cannot reach it until: paas ${plugin}:start ${service.name}`);
    },
  });

  commands.register({
    name: `${plugin}:pause`,
    summary: `Pause a ${plugin} service: its container stops but is kept, with its volume, links and ports`,
    usage: 'NAME',
    description:
      `Dokku's pause stops the container without removing it. paas's ${plugin}:stop keeps the container too,\n` +
      `so both do the same here: the service stays down, across restarts, until ${plugin}:start.`,
    examples: [`paas ${plugin}:pause ${example}`],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = ctx.requireService(name);
      const { status } = await ctx.containers.state(service.name);
      if (status === 'missing') throw new UserError(`${plugin} service ${service.name} has no container to pause`);
      ctx.store.setStopped(service.name, true);
      writeLine(stdout, `-----> Pausing ${plugin} service ${service.name}`);
      await ctx.containers.stop(service.name);
      writeLine(stdout, `       Paused; resume it with: paas ${plugin}:start ${service.name}`);
    },
  });

  commands.register({
    name: `${plugin}:restart`,
    summary: `Restart a ${plugin} service (linked apps lose their connections for a moment)`,
    usage: 'NAME',
    examples: [`paas ${plugin}:restart ${example}`],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = ctx.requireService(name);
      ctx.store.setStopped(service.name, false);
      writeLine(stdout, `-----> Restarting ${plugin} service ${service.name}`);
      if ((await ctx.containers.state(service.name)).status === 'running') await ctx.containers.restart(service.name);
      else await ctx.containers.ensureRunning(service);
      await ctx.containers.waitReady(service);
      writeLine(stdout, `       ${service.name} accepts connections`);
    },
  });
}

/** create's (and clone's) flags, as Dokku's: the image, its tag, the password and a memory limit. */
export function createFlags(ctx: ServiceContext) {
  const images = ctx.definition.image;
  return {
    image: { type: 'string', short: 'i', description: `image name, default ${images.official}`, placeholder: 'IMG' },
    'image-version': { type: 'string', short: 'I', description: `image tag, default ${images.defaultVersion}`, placeholder: 'V' },
    password: {
      type: 'string',
      short: 'p',
      description: 'the service password (8-128 printable ASCII, no spaces, quotes or backslashes); default: generated',
      placeholder: 'P',
    },
    memory: { type: 'string', short: 'm', description: 'memory limit in megabytes; default: none', placeholder: 'MB' },
  } as const;
}

/**
 * Makes a service from create's flags: image, volume, container, ready, row; `fill` (clone) then
 * loads its data. On any failure the row, container and volume go: nothing is left.
 */
export async function createService(
  ctx: ServiceContext,
  rawName: string,
  flags: FlagValues,
  stdout: Writable,
  fill?: (service: ServiceRow) => Promise<void>,
): Promise<ServiceRow> {
  const { plugin, definition } = ctx;
  const name = assertServiceName(rawName);
  if (ctx.store.find(name) || ctx.creating.has(name)) {
    throw new UserError(`${plugin} service "${name}" already exists; see: paas ${plugin}:info ${name}`);
  }
  const password = flags.password === undefined ? generatePassword() : assertPassword(String(flags.password));
  const memoryMb = flags.memory === undefined ? null : parseMemory(String(flags.memory));
  const image = flags.image === undefined ? undefined : assertImage(String(flags.image));
  const version = flags['image-version'] === undefined ? undefined : assertImageVersion(String(flags['image-version']));
  const { containers } = ctx;
  ctx.creating.add(name);
  let madeVolume = false;
  try {
    if ((await containers.state(name)).status !== 'missing') {
      throw new UserError(
        `a container ${containers.containerName(name)} is left from an earlier service; remove it with: docker rm -f ${containers.containerName(name)}`,
      );
    }
    if (await containers.volumeExists(name)) {
      throw new UserError(
        `the data volume ${containers.volumeName(name)} is left from an earlier service "${name}"; ` +
          `pick another name, or delete that data with: docker volume rm ${containers.volumeName(name)}`,
      );
    }
    writeLine(stdout, `-----> Creating ${plugin} service ${name}`);
    const ref = await ctx.prepareImage({ image, version }, (line) => writeLine(stdout, `       ${line}`));
    const dataPath = definition.dataPath(version ?? definition.image.defaultVersion);
    const spec: ServiceSpec = { name, image: ref, password, memoryMb, dataPath };
    await containers.createVolume(name);
    madeVolume = true;
    writeLine(stdout, `-----> Starting ${containers.containerName(name)} (${ref}${memoryMb ? `, ${memoryMb} MB` : ''})`);
    await containers.createContainer(spec);
    writeLine(stdout, `       Waiting for ${name} to accept connections`);
    await containers.waitReady(spec);
    const row = ctx.store.create(spec);
    try {
      await fill?.(row);
    } catch (error) {
      ctx.store.remove(name);
      throw error;
    }
    return row;
  } catch (error) {
    if (madeVolume) await containers.remove(name, true).catch(() => undefined);
    throw error;
  } finally {
    ctx.creating.delete(name);
  }
}
