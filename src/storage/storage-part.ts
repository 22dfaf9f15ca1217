import { chmodSync, chownSync, lstatSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Writable } from 'node:stream';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { writeJson, writeLine, FORMAT_FLAG } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { Part } from '../core/part.js';
import type { Paths } from '../daemon/settings.js';
import type { AppRow } from '../store/apps.js';
import { appMounts, saveAppMounts, storageBinds } from './app-mounts.js';
import { realFolder, resolveMountHost } from './host-folder.js';
import {
  CHOWN_IDS,
  DEFAULT_CHOWN,
  assertStorageName,
  bindOf,
  chownId,
  isStorageName,
  parseMount,
  type Mount,
  type MountRequest,
} from './mount-spec.js';

/**
 * Dokku's storage plugin (its legacy colon form): folders under $PAAS_HOME/storage made with
 * storage:ensure-directory, bind-mounted into an app's process containers, deploy tasks and
 * one-off runs. Mounts are per app settings, read each time a container is made, so they apply
 * from the next deploy or restart and survive redeploys and rollbacks.
 */
export const storagePart: Part = {
  name: 'storage',
  description: 'storage:ensure-directory, storage:mount, storage:unmount, storage:list, storage:report: persistent folders for apps',
  register(api) {
    const { commands, store, paths } = api;

    /** storage:mount and storage:unmount: plan the new list (or throw, storing nothing), store it, say when it applies. */
    const changeMounts = (
      name: string,
      spec: string,
      stdout: Writable,
      plan: (app: AppRow, request: MountRequest, mounts: Mount[]) => { mounts: Mount[]; done: string },
    ): void => {
      const app = requireApp(store, name);
      const change = plan(app, parseMount(spec), appMounts(store.properties, app.id));
      saveAppMounts(store.properties, app.id, change.mounts);
      writeLine(stdout, `-----> ${change.done}`);
      writeLine(stdout, `       It applies from the next deploy or restart: paas ps:restart ${app.name}`);
    };

    commands.register({
      name: 'storage:ensure-directory',
      summary: `Create a storage folder under $PAAS_HOME/storage for apps to mount, owned by the app's user`,
      usage: '[--chown heroku|herokuish|paketo|root|false|UID] NAME',
      description:
        `Makes $PAAS_HOME/storage/NAME (if missing) and sets its owner. --chown picks the owner: heroku ${CHOWN_IDS.heroku}\n` +
        `(paas's buildpack apps; the default), herokuish ${CHOWN_IDS.herokuish}, paketo ${CHOWN_IDS.paketo}, root 0, a numeric uid, or false to leave it.\n` +
        'A Dockerfile app that runs as another user needs that uid. Then: paas storage:mount APP NAME:/path',
      examples: ['paas storage:ensure-directory blog-uploads', 'paas storage:ensure-directory --chown root pg-dumps'],
      flags: { chown: { type: 'string', description: `who owns the folder (default ${DEFAULT_CHOWN})`, placeholder: 'OWNER' } },
      arity: [1, 1],
      handler({ args: [name], flags, stdout }) {
        assertStorageName(name);
        const owner = typeof flags.chown === 'string' ? flags.chown : DEFAULT_CHOWN;
        const id = chownId(owner);
        const folder = join(paths.storage, name);
        writeLine(stdout, `-----> Ensuring ${folder} exists`);
        ensureStorageFolder(paths, folder);
        if (id !== undefined) {
          writeLine(stdout, `       Setting directory ownership to ${id}:${id}`);
          chownSync(folder, id, id);
        }
        writeLine(stdout, '       Directory ready for mounting');
      },
    });

    commands.register({
      name: 'storage:mount',
      summary: "Mount a storage folder (or, from the server, any folder) into an app's containers",
      usage: 'APP NAME:CONTAINER_PATH[:ro] | APP /HOST/PATH:CONTAINER_PATH[:ro]',
      description:
        'NAME is a folder made with storage:ensure-directory. An absolute host path is accepted only from the\n' +
        'local paas command on the server; /, $PAAS_HOME and the Docker socket are refused from anyone.\n' +
        'The mount applies to the processes, deploy tasks and paas run, from the next deploy or ps:restart.',
      examples: ['paas storage:mount blog blog-uploads:/app/uploads', 'paas storage:mount blog /srv/shared/fonts:/app/fonts:ro'],
      arity: [2, 2],
      handler({ args: [name, spec], actor, stdout }) {
        changeMounts(name, spec, stdout, (app, request, mounts) => {
          const mount: Mount = { host: resolveMountHost(paths, request, actor), container: request.container, readonly: request.readonly };
          if (mounts.some((m) => m.container === mount.container)) {
            throw new UserError(
              `Mount path already exists: ${app.name} already has a mount at ${mount.container} (storage:list ${app.name})`,
            );
          }
          return { mounts: [...mounts, mount], done: `Mounted ${bindOf(mount)} for ${app.name}` };
        });
      },
    });

    commands.register({
      name: 'storage:unmount',
      summary: 'Remove a mount from an app (from the next deploy or restart)',
      usage: 'APP NAME:CONTAINER_PATH[:ro] | APP /HOST/PATH:CONTAINER_PATH[:ro]',
      description: 'Takes the same argument that storage:mount was given. The folder and its files stay on the server.',
      examples: ['paas storage:unmount blog blog-uploads:/app/uploads'],
      arity: [2, 2],
      handler({ args: [name, spec], stdout }) {
        changeMounts(name, spec, stdout, (app, request, mounts) => {
          const host = request.host.startsWith('/') ? request.host : join(paths.storage, request.host);
          const real = realFolder(host);
          const matches = (m: Mount) => m.container === request.container && (m.host === host || m.host === real);
          const removed = mounts.find(matches);
          if (!removed)
            throw new UserError(`Mount path does not exist: ${app.name} has no mount ${printable(spec)} (storage:list ${app.name})`);
          return { mounts: mounts.filter((m) => !matches(m)), done: `Unmounted ${bindOf(removed)} from ${app.name}` };
        });
      },
    });

    commands.register({
      name: 'storage:list',
      summary: "List an app's mounts (HOST:CONTAINER[:ro])",
      usage: 'APP [--format json]',
      examples: ['paas storage:list blog', 'paas storage:list blog --format json'],
      flags: { ...FORMAT_FLAG },
      arity: [1, 1],
      handler({ args: [name], flags, stdout }) {
        const app = requireApp(store, name);
        const mounts = appMounts(store.properties, app.id);
        const root = realFolder(paths.storage) ?? paths.storage;
        if (flags.format === 'json') {
          return writeJson(
            stdout,
            mounts.map((m) => ({
              ...(posix.dirname(m.host) === root && isStorageName(posix.basename(m.host)) ? { entry_name: posix.basename(m.host) } : {}),
              host_path: m.host,
              container_path: m.container,
              ...(m.readonly ? { readonly: true } : {}),
            })),
          );
        }
        writeLine(stdout, `-----> ${app.name} volume bind-mounts:`);
        for (const mount of mounts) writeLine(stdout, `       ${bindOf(mount)}`);
      },
    });

    const flagsOf = (appId: number, phase: 'build' | 'deploy' | 'run') =>
      storageBinds(store.properties, appId, phase)
        .map((bind) => `-v ${bind}`)
        .join(' ');
    registerTopic(
      api,
      {
        topic: 'storage',
        namespace: 'storage',
        properties: [],
        fields: (app) => ({
          'build-mounts': flagsOf(app.id, 'build'),
          'deploy-mounts': flagsOf(app.id, 'deploy'),
          'run-mounts': flagsOf(app.id, 'run'),
        }),
      },
      { setCommand: false, reportSummary: "Show an app's mounts per phase (build, deploy, run)", reportExampleKey: 'deploy-mounts' },
    );
  },
};

/** Makes the storage root (private to root) and one folder in it (0755, so its owner's app can use it). */
function ensureStorageFolder(paths: Paths, folder: string): void {
  mkdirSync(paths.storage, { recursive: true, mode: 0o700 });
  try {
    mkdirSync(folder, { mode: 0o755 });
    // The daemon's umask (077) takes the bits mkdir was given away.
    chmodSync(folder, 0o755);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // lstat: a link there would have chown and the mounts act on whatever it points to.
    if (!lstatSync(folder).isDirectory()) throw new UserError(`${folder} exists and is not a folder (a link is not followed)`);
  }
}
