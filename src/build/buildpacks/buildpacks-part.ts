import type Docker from 'dockerode';
import { ensureStackImages } from './stack.js';
import { requireApp } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import type { Part, PartApi } from '../../core/part.js';
import { registerBuilderCommands } from './builder-commands.js';
import { BuildpackBuilder } from './buildpack-builder.js';
import { registerBuildpacksCommands } from './buildpacks-commands.js';
import { assertBuildpackAllowed, trustOf } from './buildpack-policy.js';
import { parseBuildpackUrl } from './buildpack-url.js';
import { cacheVolumeName, privateUrlsAllowed } from './settings.js';

/**
 * Buildpack builds (Heroku's classic buildpacks on a stack made from Debian packages), with
 * builder:*, buildpacks:* and repo:purge-cache. Registered after the
 * Dockerfile builder, so an app with a Dockerfile builds from it unless buildpacks are chosen.
 */
export const buildpacksPart: Part = {
  name: 'buildpacks',
  description: 'builds apps with Heroku buildpacks on a stack made from Debian packages: builder:*, buildpacks:*',
  after: ['builder-dockerfile'],
  register(api) {
    const docker = api.docker;
    const { store, events, commands } = api;
    api.builders.register(new BuildpackBuilder({ docker, store, paths: api.paths, instance: api.instance }));
    const cacheExists = (volume: string) => volumeExists(docker, volume);

    registerBuilderCommands(api);
    registerBuildpacksCommands(api, cacheExists);

    commands.register({
      name: 'repo:purge-cache',
      summary: "Delete an app's build cache (dependencies are installed afresh on the next build)",
      usage: 'APP',
      examples: ['paas repo:purge-cache blog'],
      arity: [1, 1],
      async handler({ args: [name], stdout }) {
        const app = requireApp(store, name);
        const removed = await removeCache(docker, api, app.id);
        writeLine(stdout, removed ? `-----> Build cache of ${app.name} deleted` : `-----> ${app.name} has no build cache`);
      },
    });

    // BUILDPACK_URL chooses what a build reads: a remote caller may not point it at server folders.
    events.on('pre-config-update', ({ vars, actor }) => {
      const url = vars.BUILDPACK_URL?.trim();
      if (!url) return;
      try {
        assertBuildpackAllowed(parseBuildpackUrl(url), { trust: trustOf(actor), allowPrivateUrls: privateUrlsAllowed(store.properties) });
      } catch (error) {
        if (error instanceof UserError) throw new UserError(`BUILDPACK_URL: ${error.message}`);
        throw error;
      }
    });

    events.on('install', async ({ output }) => {
      writeLine(output, '-----> Preparing the buildpack stack images (built from Debian packages the first time)');
      const images = await ensureStackImages(docker, (line) => writeLine(output, `       ${line}`), api.paths.locks);
      writeLine(output, `-----> Stack ready: ${images.run} (run), ${images.build} (build)`);
    });

    events.on('app-destroy', async ({ app }) => {
      const row = store.apps.find(app);
      if (row) await removeCache(docker, api, row.id).catch(() => undefined);
    });
  },
};

async function volumeExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getVolume(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Removes the app's cache volume; false when there was none. */
async function removeCache(docker: Docker, api: Pick<PartApi, 'instance'>, appId: number): Promise<boolean> {
  const name = cacheVolumeName(api.instance, appId);
  if (!(await volumeExists(docker, name))) return false;
  try {
    await docker.getVolume(name).remove();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 409) {
      throw new UserError('a build of this app is using its cache right now; run this again when the build is over');
    }
    throw error;
  }
}
