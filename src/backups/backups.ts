// Longer than 300 lines: running a backup, its schedule and its last result share one state (the running flag, the timers, the report), kept in one class rather than passed around.
import { createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { Cron } from 'croner';
import { UserError, oneLine } from '../core/errors.js';
import type { PartApi } from '../core/part.js';
import type { BackupConfig, BackupResult, BackupSchedule } from './backup-config.js';
import { BackupConfigStore } from './backup-config.js';
import type { BackupSource } from './backup-source.js';
import { backupName, describeDestination, describeLocation, isEncryptedName, parseDestination, parseLocation } from './destination.js';
import { gpgEncryptTo, gpgFile, readPublicKey, type PublicKey } from './gpg.js';
import { assertAllowed, backupFileToRead, prepareBackupFolder, type FolderPolicy } from './local-folder.js';
import { downloadFile, listObjects, s3Client, uploadFile, type StoredObject } from './object-store.js';

/** A scheduled backup runs at most this long. */
const MAX_SCHEDULED_MS = 24 * 60 * 60 * 1000;

export interface BackupRequest {
  /** The BUCKET argument: a bucket (optional /PREFIX) or file:///FOLDER. */
  destination: string;
  useIam: boolean;
  /** The caller came through the local socket (root): it may name any server folder. */
  local: boolean;
  trigger: BackupResult['trigger'];
  signal: AbortSignal;
  /** Progress lines, for a command's output. */
  progress?: (line: string) => void;
}

/** A backup ready to restore: a plain dump in a file, removed by `cleanup`. */
export interface RestoreInput {
  file: string;
  cleanup(): Promise<void>;
}

/**
 * Backups of one service plugin's services: to S3-compatible object storage or a server folder,
 * optionally GPG-encrypted, on demand or on a schedule, and back in through the plugin's restore.
 * A failed backup is recorded for TOPIC:backup-report, fires `backup-failed` (the events log)
 * and is logged as an error by the daemon.
 */
export class Backups {
  readonly config: BackupConfigStore;
  /** $PAAS_HOME/backups: the server folder remote callers may back up to. */
  readonly root: string;
  private readonly jobs = new Map<string, Cron>();
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly api: PartApi,
    readonly source: BackupSource,
  ) {
    this.config = new BackupConfigStore(join(api.paths.home, 'backup-settings', source.plugin));
    this.root = join(api.paths.home, 'backups');
  }

  /**
   * What can be known wrong before a backup starts (bad destination, no credentials, a folder the
   * caller may not use): a command refuses it without recording anything.
   */
  check(service: string, destination: string, options: { useIam: boolean; local: boolean }): void {
    const parsed = parseDestination(destination);
    if (parsed.kind === 'file') assertAllowed(parsed.folder, this.policy(options.local));
    else if (!options.useIam && !this.config.read(service).auth) {
      throw new UserError(
        `no backup credentials for ${service}: set them with paas ${this.source.plugin}:backup-auth ${service} KEY SECRET, or pass --use-iam`,
      );
    }
  }

  /** Dumps the service, encrypts it when it has a passphrase, and stores it; records the result. */
  async backup(service: string, request: BackupRequest): Promise<BackupResult> {
    const startedAt = new Date();
    const config = this.config.read(service);
    const encrypted = config.publicKey !== undefined || config.passphrase !== undefined;
    const say = request.progress ?? (() => undefined);
    let location: string | undefined;
    let bytes: number | undefined;
    let error: string | undefined;
    const work = await this.workFolder();
    try {
      const destination = parseDestination(request.destination);
      const name = backupName(this.source.plugin, service, startedAt, this.source.extension, encrypted);
      say(`-----> Backing up ${this.source.plugin} service ${service} to ${describeDestination(destination)}`);
      let file = join(work, 'dump');
      await this.dumpTo(service, file, request.signal);
      if (config.publicKey !== undefined) {
        say(`       Encrypting it to the public key ${config.publicKey.fingerprint}`);
        await gpgEncryptTo(config.publicKey, file, `${file}.gpg`, work);
        file = `${file}.gpg`;
      } else if (config.passphrase !== undefined) {
        say('       Encrypting it with the passphrase set by backup-set-encryption');
        await gpgFile('encrypt', config.passphrase, file, `${file}.gpg`, work);
        file = `${file}.gpg`;
      }
      if (destination.kind === 'file') {
        const folder = await prepareBackupFolder(destination.folder, this.policy(request.local));
        const target = join(folder, name);
        await copyFile(file, `${target}.partial`);
        await chmod(`${target}.partial`, 0o600);
        await rename(`${target}.partial`, target);
        bytes = (await stat(target)).size;
        location = `file://${target}`;
      } else {
        const client = await s3Client(config.auth, request.useIam);
        try {
          bytes = await uploadFile(client, destination.bucket, destination.prefix + name, file, request.signal);
        } finally {
          client.destroy();
        }
        location = `s3://${destination.bucket}/${destination.prefix}${name}`;
      }
    } catch (caught) {
      error = oneLine(caught instanceof Error ? caught.message : String(caught));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const result: BackupResult = {
      status: error === undefined ? 'succeeded' : 'failed',
      trigger: request.trigger,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      destination: request.destination,
      encrypted,
      ...(location ? { location } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
      ...(error !== undefined ? { error } : {}),
    };
    await this.record(service, result);
    return result;
  }

  /** Fetches a backup (object or server file) and decrypts it when its name ends in .gpg. */
  async fetchForRestore(
    service: string,
    text: string,
    options: { useIam: boolean; local: boolean; signal: AbortSignal },
  ): Promise<RestoreInput> {
    const location = parseLocation(text);
    const config = this.config.read(service);
    const name = location.kind === 's3' ? location.key : location.path;
    if (isEncryptedName(name) && config.passphrase === undefined && config.publicKey !== undefined) {
      throw new UserError(
        `${describeLocation(location)} is encrypted, and ${service}'s backups go to a public key whose private key the server ` +
          `does not have: decrypt it where that key is (gpg --decrypt FILE > DUMP), then: paas ${this.source.plugin}:import ${service} < DUMP`,
      );
    }
    if (isEncryptedName(name) && config.passphrase === undefined) {
      throw new UserError(
        `${describeLocation(location)} is encrypted; give ${service} its passphrase first: ` +
          `paas ${this.source.plugin}:backup-set-encryption ${service} PASSPHRASE`,
      );
    }
    const work = await this.workFolder();
    const cleanup = () => rm(work, { recursive: true, force: true });
    try {
      let file: string;
      if (location.kind === 'file') {
        file = await backupFileToRead(location.path, this.policy(options.local));
      } else {
        const client = await s3Client(config.auth, options.useIam);
        file = join(work, 'download');
        try {
          await downloadFile(client, location.bucket, location.key, file, options.signal);
        } finally {
          client.destroy();
        }
      }
      if (isEncryptedName(name)) {
        await gpgFile('decrypt', config.passphrase!, file, join(work, 'dump'), work);
        file = join(work, 'dump');
      }
      return { file, cleanup };
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  /** backup-set-public-key-encryption: checks the key in `data` and keeps it (0600) for later backups. */
  async setPublicKey(service: string, data: Buffer, keyId: string | undefined): Promise<PublicKey> {
    const work = await this.workFolder();
    try {
      const key = await readPublicKey(data, keyId, work);
      this.config.update(service, (config) => ({ ...config, publicKey: { fingerprint: key.fingerprint, key: key.armored } }));
      return key;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** The service's backups at a destination, oldest first. */
  async list(service: string, text: string, options: { useIam: boolean; local: boolean; signal: AbortSignal }): Promise<StoredObject[]> {
    const destination = parseDestination(text);
    const prefix = `${this.source.plugin}-${service}-`;
    if (destination.kind === 's3') {
      const client = await s3Client(this.config.read(service).auth, options.useIam);
      try {
        return await listObjects(client, destination.bucket, destination.prefix + prefix, options.signal);
      } finally {
        client.destroy();
      }
    }
    const folder = await prepareBackupFolder(destination.folder, this.policy(options.local));
    const names = (await readdir(folder)).filter((name) => name.startsWith(prefix) && !name.endsWith('.partial')).sort();
    const found: StoredObject[] = [];
    for (const name of names) {
      const info = await stat(join(folder, name));
      if (info.isFile()) found.push({ key: join(folder, name), bytes: info.size, modified: info.mtime.toISOString() });
    }
    return found;
  }

  /** Checks a schedule's destination now (a remote caller's folder too), saves it and starts it. */
  async schedule(service: string, schedule: BackupSchedule, local: boolean): Promise<void> {
    this.check(service, schedule.destination, { useIam: schedule.useIam, local });
    const destination = parseDestination(schedule.destination);
    if (destination.kind === 'file') await prepareBackupFolder(destination.folder, this.policy(local));
    this.config.update(service, (config) => ({ ...config, schedule }));
    this.startJob(service, schedule);
  }

  unschedule(service: string): void {
    this.config.update(service, ({ schedule: _dropped, ...config }) => config);
    this.jobs.get(service)?.stop();
    this.jobs.delete(service);
  }

  /** When the next scheduled backup runs, if one is scheduled. */
  nextRun(service: string): Date | null {
    return this.jobs.get(service)?.nextRun() ?? null;
  }

  /** The service is destroyed: its schedule stops and its settings go (its backups stay). */
  forget(service: string): void {
    this.jobs.get(service)?.stop();
    this.jobs.delete(service);
    this.config.remove(service);
  }

  /** Starts every saved schedule (at daemon start). */
  start(): void {
    for (const service of this.config.services()) {
      const { schedule } = this.config.read(service);
      if (schedule) this.startJob(service, schedule);
    }
  }

  stop(): void {
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
    for (const controller of this.running.values()) controller.abort();
  }

  read(service: string): BackupConfig {
    return this.config.read(service);
  }

  private startJob(service: string, schedule: BackupSchedule): void {
    this.jobs.get(service)?.stop();
    this.jobs.set(service, new Cron(schedule.cron, { unref: true, catch: true, protect: true }, () => void this.scheduled(service)));
  }

  private async scheduled(service: string): Promise<void> {
    const { schedule } = this.config.read(service);
    if (!schedule || this.running.has(service)) return;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), MAX_SCHEDULED_MS);
    timer.unref();
    this.running.set(service, controller);
    try {
      await this.backup(service, {
        destination: schedule.destination,
        useIam: schedule.useIam,
        local: true,
        trigger: 'schedule',
        signal: controller.signal,
      });
    } catch (error) {
      this.api.logger.error({ plugin: this.source.plugin, service, err: error }, 'scheduled backup could not run');
    } finally {
      clearTimeout(timer);
      this.running.delete(service);
    }
  }

  /** Keeps the result for the report; a failure also goes to the events log and the daemon log. */
  private async record(service: string, result: BackupResult): Promise<void> {
    this.config.update(service, (config) => ({ ...config, last: result }));
    const fields = { plugin: this.source.plugin, service, trigger: result.trigger, destination: result.destination };
    if (result.status === 'succeeded') {
      this.api.logger.info({ ...fields, location: result.location, bytes: result.bytes }, 'backup succeeded');
      return;
    }
    this.api.logger.error({ ...fields, error: result.error }, 'backup failed');
    await this.api.events
      .emit('backup-failed', { plugin: this.source.plugin, service })
      .catch((error: unknown) => this.api.logger.warn({ err: error, service }, 'a backup-failed handler failed'));
  }

  private async dumpTo(service: string, file: string, signal: AbortSignal): Promise<void> {
    const output = createWriteStream(file, { mode: 0o600 });
    try {
      await this.source.dump(service, output, signal);
    } finally {
      await closeStream(output);
    }
  }

  private policy(local: boolean): FolderPolicy {
    return { local, root: this.root };
  }

  private async workFolder(): Promise<string> {
    await mkdir(this.api.paths.tmp, { recursive: true, mode: 0o700 });
    return mkdtemp(join(this.api.paths.tmp, `backup-${this.source.plugin}-`));
  }
}

function closeStream(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
