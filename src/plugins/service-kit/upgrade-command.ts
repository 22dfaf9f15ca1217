import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { writeLine } from '../../core/output.js';
import type { ServiceContext } from './context.js';
import { imageExists } from './image.js';
import { splitImage } from './image-ref.js';
import { assertImage, assertImageVersion } from './names.js';

/** `<plugin>:upgrade NAME [--image IMG] [--image-version V] [--restart-apps true]`. */
export function registerUpgradeCommand(ctx: ServiceContext): void {
  const { commands, events } = ctx.api;
  const { plugin, definition } = ctx;
  const example = definition.exampleName;

  commands.register({
    name: `${plugin}:upgrade`,
    summary: `Run a ${plugin} service on another image or image version, keeping its data`,
    usage: 'NAME [--image IMG] [--image-version V] [--restart-apps true]',
    description:
      `The container is made again from the new image on the same volume (linked apps lose their connections for a\n` +
      `moment); when the new one does not come up, the old image runs again. The image must be on this server\n` +
      `already: upgrade pulls nothing (docker pull or docker load it first). Without flags: the same image name at\n` +
      `version ${definition.image.defaultVersion}.` +
      (definition.upgradeRefusal ? ` Only versions that can read the existing data are accepted.` : ''),
    examples: [
      `paas ${plugin}:upgrade ${example} --image-version ${definition.image.defaultVersion}.1`,
      `paas ${plugin}:upgrade ${example} --image my/${definition.image.official}`,
    ],
    flags: {
      image: { type: 'string', short: 'i', description: 'image name, default the one it runs', placeholder: 'IMG' },
      'image-version': {
        type: 'string',
        short: 'I',
        description: `image tag, default ${definition.image.defaultVersion}`,
        placeholder: 'V',
      },
      'restart-apps': { type: 'string', short: 'R', description: 'true: restart the linked apps afterwards', placeholder: 'true' },
    },
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const service = ctx.requireService(name);
      const current = splitImage(service.image);
      const repository = flags.image === undefined ? current.repository : assertImage(String(flags.image));
      const tag =
        flags['image-version'] === undefined ? definition.image.defaultVersion : assertImageVersion(String(flags['image-version']));
      const restartApps = flags['restart-apps'] === undefined ? false : parseBoolean(String(flags['restart-apps']));
      const target = `${repository}:${tag}`;
      if (target === service.image) {
        writeLine(stdout, `-----> ${plugin} service ${service.name} already runs ${target}`);
        return;
      }
      if (!(await imageExists(ctx.docker, target))) {
        throw new UserError(
          `image ${target} is not on this server; upgrade pulls nothing: load it first (docker pull ${target}, or docker load)`,
        );
      }
      if (definition.dataPath(tag) !== service.dataPath) {
        throw new UserError(
          `${target} keeps its data in ${definition.dataPath(tag)}, not ${service.dataPath}; move the data with export and import into a new service`,
        );
      }
      const refusal = definition.upgradeRefusal?.(service.image, target);
      if (refusal) throw new UserError(refusal);
      writeLine(stdout, `-----> Upgrading ${plugin} service ${service.name} from ${service.image} to ${target}`);
      ctx.store.setImage(service.name, target);
      try {
        await ctx.containers.recreate(ctx.requireService(service.name));
      } catch (error) {
        writeLine(stdout, `       ${target} did not come up; running ${service.image} again`);
        ctx.store.setImage(service.name, service.image);
        await ctx.containers.recreate(ctx.requireService(service.name));
        throw error;
      }
      writeLine(stdout, `=====> ${service.name} runs ${target}`);
      const apps = ctx.store.linksOf(service.name);
      for (const link of restartApps ? apps : []) {
        await events.emit('post-config-update', { app: link.app, action: 'set', keys: [link.envKey], restart: true, output: stdout });
      }
    },
  });
}

function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UserError(`--restart-apps takes true or false (got "${printable(value)}")`);
}
