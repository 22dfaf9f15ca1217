import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** backup-auth: where and as whom backups go to object storage. */
export interface BackupAuth {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Only `s3v4` is spoken (the S3 client signs with version 4). */
  signatureVersion: string;
  /** An S3-compatible endpoint (MinIO, R2, B2...); AWS when unset. */
  endpoint?: string;
  /**
   * The endpoint was set by root on the server (the local socket), so it may be a private address.
   * Unset (a remote caller's endpoint, or one saved before paas recorded this): each use resolves
   * it, refuses private answers and pins the client to the checked address.
   */
  endpointFromServer?: boolean;
}

/** backup-schedule: a cron pattern and where its backups go. */
export interface BackupSchedule {
  cron: string;
  /** The BUCKET argument as given: a bucket (with an optional /PREFIX) or file:///FOLDER. */
  destination: string;
  useIam: boolean;
}

/** What the last backup did, for backup-report. */
export interface BackupResult {
  status: 'succeeded' | 'failed';
  trigger: 'command' | 'schedule';
  startedAt: string;
  finishedAt: string;
  destination: string;
  /** Where the backup went: s3://BUCKET/KEY or file:///PATH. */
  location?: string;
  bytes?: number;
  encrypted: boolean;
  /** Why it failed, one line. */
  error?: string;
}

export interface BackupConfig {
  auth?: BackupAuth;
  /** backup-set-encryption: the GPG passphrase every later backup is encrypted with. */
  passphrase?: string;
  /**
   * backup-set-public-key-encryption: the GPG public key (ASCII-armored, this one key only) every
   * later backup is encrypted to; it takes precedence over the passphrase, as in Dokku.
   */
  publicKey?: { fingerprint: string; key: string };
  schedule?: BackupSchedule;
  last?: BackupResult;
}

/**
 * Each service's backup settings in one JSON file, 0600 in a 0700 folder: they hold storage
 * credentials and the encryption passphrase, which no command prints and no log receives.
 * Written whole through a rename, so a crash leaves the old file or the new one.
 */
export class BackupConfigStore {
  constructor(private readonly folder: string) {}

  read(service: string): BackupConfig {
    try {
      return JSON.parse(readFileSync(this.file(service), 'utf8')) as BackupConfig;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  /** Applies `change` to the service's settings and saves the result. */
  update(service: string, change: (config: BackupConfig) => BackupConfig): BackupConfig {
    const next = change(this.read(service));
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    const temporary = `${this.file(service)}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file(service));
    return next;
  }

  remove(service: string): void {
    rmSync(this.file(service), { force: true });
  }

  /** The services that have settings. */
  services(): string[] {
    try {
      return readdirSync(this.folder)
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length));
    } catch {
      return [];
    }
  }

  private file(service: string): string {
    return join(this.folder, `${service}.json`);
  }
}
