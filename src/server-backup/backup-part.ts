// Longer than 300 lines: export and import are the two halves of one archive format, kept side by side so a change to one shows in the other.
import { cpSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError, oneLine } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import type { Part, PartApi } from '../core/part.js';
import { STOPPED } from '../deploy/converger.js';
import { imageRepository } from '../deploy/naming.js';
import { ensureRepo, repoPath } from '../git/repositories.js';
import { PAAS_VERSION } from '../version.js';
import { BackupWriter, readBackup } from './archive.js';
import { renameImages, restoreTables, snapshotDatabase } from './database-copy.js';
import { parseManifest, type BackupManifest } from './manifest.js';

const BACKUP_FLAGS = {
  passphrase: {
    type: 'string',
    description: 'seal the secrets inside (database, keys, certificates, dumps) with this passphrase',
    placeholder: 'P',
  },
} as const;

/** The files of PAAS_HOME a backup carries, and whether they are secret. */
function homeFiles(api: PartApi) {
  return [
    { name: 'home/repos', path: api.paths.repos, secret: false },
    { name: 'home/nginx/certs', path: join(api.paths.nginx, 'certs'), secret: true },
    { name: 'home/api-tls', path: join(api.paths.home, 'api-tls'), secret: true },
  ];
}
const HOST_KEYS = ['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub'];

/** backup:export and backup:import: everything paas needs to rebuild the server elsewhere. */
export function serverBackupPart(): Part {
  return {
    name: 'server-backup',
    description: 'backup:export and backup:import: the whole server in one tar, to restore or move it',
    after: ['deploy'],
    register(api) {
      api.commands.register({
        name: 'backup:export',
        summary: 'Write the whole server (state, repos, certificates, keys, tokens) as a tar to standard output',
        usage: '[--with-data] [--with-images] [--passphrase P] > FILE',
        description: [
          "The database is copied consistently while the daemon runs. --with-data adds the services' data (pg_dump",
          'of each postgres service, an RDB snapshot of each redis service) and the storage folders; --with-images',
          'adds the release images, so an import does not build again. With --passphrase the secrets inside are',
          'sealed (AES-256-GCM); without it, keep the file as private as the server itself. Restore it with',
          'backup:import on a fresh install.',
        ].join('\n'),
        examples: ['paas backup:export > server.tar', 'paas backup:export --with-data --with-images --passphrase "$PASS" > server.tar'],
        flags: {
          'with-data': { type: 'boolean', description: "include the services' data and the storage folders" },
          'with-images': { type: 'boolean', description: 'include the release images' },
          ...BACKUP_FLAGS,
        },
        secrets: { flags: ['passphrase'] },
        arity: [0, 0],
        async handler({ flags, stdout, stderr, signal }) {
          await exportServer(api, {
            passphrase: passphraseOf(flags.passphrase),
            withData: flags['with-data'] === true,
            withImages: flags['with-images'] === true,
            out: stdout,
            log: (line) => writeLine(stderr, line),
            signal,
          });
        },
      });

      api.commands.register({
        name: 'backup:import',
        summary: 'Restore a backup:export tar (on standard input) into this fresh install, then deploy every app',
        usage: '[--passphrase P] < FILE',
        description: [
          'Restores apps, config, domains, certificates, settings, SSH keys and API tokens, the repositories, and',
          "what the backup carries of services' data and images, then deploys each app's current release again.",
          'Only on a server without apps. The restored SSH host key and API certificate are used from the next daemon start.',
        ].join('\n'),
        examples: ['paas backup:import < server.tar', 'paas backup:import --passphrase "$PASS" < server.tar'],
        flags: BACKUP_FLAGS,
        secrets: { flags: ['passphrase'] },
        arity: [0, 0],
        async handler({ flags, stdin, stdout, actor, signal }) {
          return importServer(api, { passphrase: passphraseOf(flags.passphrase), input: stdin, output: stdout, actor: actor.name, signal });
        },
      });
    },
  };
}

function passphraseOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length < 8) throw new UserError('the passphrase must have at least 8 characters');
  return value;
}

interface ExportOptions {
  passphrase: string | undefined;
  withData: boolean;
  withImages: boolean;
  out: Writable;
  log(line: string): void;
  signal: AbortSignal;
}

async function exportServer(api: PartApi, options: ExportOptions): Promise<void> {
  const { store, paths } = api;
  mkdirSync(paths.tmp, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(paths.tmp, 'backup-'));
  try {
    await snapshotDatabase(store.db, join(staging, 'paas.db'));
    const apps = store.apps.list().map((app) => app.name);
    const manifest: BackupManifest = {
      format: 1,
      paas: PAAS_VERSION,
      createdAt: new Date().toISOString(),
      instance: api.instance,
      apps,
      sealed: options.passphrase !== undefined,
      withData: options.withData,
      withImages: options.withImages,
    };
    const writer = new BackupWriter(options.out, options.passphrase);
    await writer.buffer('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    await writer.file('paas.db', join(staging, 'paas.db'), true);
    for (const files of homeFiles(api)) await writer.tree(files.name, files.path, files.secret);
    for (const key of HOST_KEYS) if (existsSync(join(paths.home, key))) await writer.file(`home/${key}`, join(paths.home, key), true);
    if (options.withData) {
      await writer.tree('home/storage', paths.storage);
      const dataDir = join(staging, 'data');
      mkdirSync(dataDir, { mode: 0o700 });
      const progress = lineSink(options.log);
      await api.events.emit('backup-export-data', { dir: dataDir, output: progress, signal: options.signal });
      await writer.tree('data', dataDir, true);
    }
    if (options.withImages) {
      const images = await releaseImages(api);
      if (images.length) {
        options.log(`-----> Saving ${images.length} release image${images.length === 1 ? '' : 's'}`);
        const file = join(staging, 'images.tar');
        // dockerode has getImages (GET /images/get?names=...) but its types do not list it.
        const docker = api.docker as unknown as { getImages(options: { names: string[] }): Promise<Readable> };
        await pipeline(await docker.getImages({ names: images }), createWriteStream(file, { mode: 0o600 }));
        await writer.file('images.tar', file);
      }
    }
    await writer.finish();
    options.log(`-----> Exported ${apps.length} app${apps.length === 1 ? '' : 's'}${apps.length ? ` (${apps.join(', ')})` : ''}`);
    if (!options.passphrase)
      options.log(' !     The backup holds config values, keys and certificates in clear: keep it private, or export with --passphrase');
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Every image a release of this install names that Docker still has. */
async function releaseImages(api: PartApi): Promise<string[]> {
  const names = new Set<string>();
  for (const app of api.store.apps.list()) for (const release of api.store.releases.forApp(app.id)) names.add(release.image);
  const present: string[] = [];
  for (const name of names)
    if (
      await api.docker
        .getImage(name)
        .inspect()
        .then(
          () => true,
          () => false,
        )
    )
      present.push(name);
  return present;
}

interface ImportOptions {
  passphrase: string | undefined;
  input: Readable;
  output: Writable;
  actor: string;
  signal: AbortSignal;
}

async function importServer(api: PartApi, options: ImportOptions): Promise<number> {
  const { store, paths } = api;
  const existing = store.apps.list();
  if (existing.length) {
    throw new UserError(
      `backup:import restores into a fresh install, and this one has ${existing.length} app${existing.length === 1 ? '' : 's'} (${existing.map((a) => a.name).join(', ')}); use a new PAAS_HOME`,
    );
  }
  const say = (line: string) => writeLine(options.output, line);
  mkdirSync(paths.tmp, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(paths.tmp, 'import-'));
  try {
    let manifest: BackupManifest | undefined;
    await readBackup(options.input, staging, options.passphrase, (raw) => {
      manifest = parseManifest(raw);
      if (manifest.sealed && options.passphrase === undefined)
        throw new UserError('this backup is encrypted; give its passphrase with --passphrase');
    });
    if (!manifest || !existsSync(join(staging, 'paas.db'))) throw new UserError('not a paas server backup: it has no database');
    say(
      `-----> Restoring a backup of ${manifest.apps.length} app${manifest.apps.length === 1 ? '' : 's'} made ${manifest.createdAt} by paas ${manifest.paas}`,
    );

    restoreTables(store.db, join(staging, 'paas.db'));
    if (manifest.instance !== api.instance) renameImages(store.db, manifest.instance, api.instance);
    const copy = (from: string, to: string) => existsSync(from) && cpSync(from, to, { recursive: true, force: true });
    for (const files of homeFiles(api)) copy(join(staging, files.name), files.path);
    for (const key of HOST_KEYS) copy(join(staging, 'home', key), join(paths.home, key));
    copy(join(staging, 'home', 'storage'), paths.storage);
    const apps = store.apps.list();
    for (const app of apps) await ensureRepo(paths, app.name, api.settings.maxPushSize);
    say(
      `-----> Restored the state of ${apps.map((a) => a.name).join(', ') || 'no apps'}: config, domains, certificates, settings, keys and tokens`,
    );

    if (existsSync(join(staging, 'images.tar'))) await loadImages(api, join(staging, 'images.tar'), manifest.instance, say);
    await api.events.emit('backup-import-data', { dir: join(staging, 'data'), output: options.output, signal: options.signal });

    let failed = 0;
    for (const app of apps) {
      const release = store.releases.current(app.id);
      if (!release) continue;
      if (store.properties.get(app.id, STOPPED.namespace, STOPPED.key) === 'true') {
        say(`-----> ${app.name} was stopped (ps:stop): not started`);
        continue;
      }
      if (!release.gitRev || !existsSync(repoPath(paths, app.name))) {
        say(` !     ${app.name} v${release.version} did not come from a push; deploy it again by hand`);
        failed++;
        continue;
      }
      say(`=====> Deploying ${app.name} (v${release.version}, ${release.gitRev.slice(0, 7)})`);
      try {
        await api.events.emit('git-receive', {
          app: app.name,
          rev: release.gitRev,
          gitEnv: { GIT_DIR: repoPath(paths, app.name) },
          output: options.output,
          actor: options.actor,
          codeTrust: 'remote',
          signal: options.signal,
        });
      } catch (error) {
        failed++;
        say(` !     ${app.name} did not deploy: ${oneLine(error instanceof Error ? error.message : String(error))}`);
      }
    }
    say(
      failed
        ? ` !     Restored; ${failed} app${failed === 1 ? '' : 's'} did not deploy (see above)`
        : '-----> Restored; every app is deployed',
    );
    say('       The SSH host key and API certificate of the backup are used from the next daemon start');
    return failed ? 1 : 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Loads the saved release images and names them as this install's (`paas-NEW/app:vN`). */
async function loadImages(api: PartApi, file: string, oldInstance: string, say: (line: string) => void): Promise<void> {
  say('-----> Loading the release images');
  const stream = (await api.docker.loadImage(createReadStream(file), { quiet: true })) as Readable;
  const replies: Array<{ error?: string }> = await new Promise((resolve, reject) =>
    api.docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) =>
      error ? reject(error) : resolve(output),
    ),
  );
  const failure = replies.find((reply) => reply.error);
  if (failure) throw new UserError(`docker could not load the images of the backup: ${oneLine(failure.error!)}`);
  for (const app of api.store.apps.list()) {
    for (const release of api.store.releases.forApp(app.id)) {
      const [repository, tag] = splitImage(release.image);
      const oldName = `${imageRepository(oldInstance, app.name)}:${tag}`;
      if (repository !== imageRepository(api.instance, app.name) || oldName === release.image) continue;
      await api.docker
        .getImage(oldName)
        .tag({ repo: repository, tag })
        .catch(() => undefined);
    }
  }
}

function splitImage(image: string): [string, string] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
}

/** A Writable whose lines go to `log`: plugins' progress while the archive owns stdout. */
function lineSink(log: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) log(line);
      callback();
    },
  });
}
