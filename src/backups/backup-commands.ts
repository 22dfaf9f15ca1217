import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../core/output.js';
import { renderReport } from '../core/reports.js';
import type { CommandRegistry } from '../core/registry.js';
import { pinPublicHost } from '../core/pinned-host.js';
import { isPrivateHost } from '../core/private-addresses.js';
import type { BackupAuth, BackupConfig } from './backup-config.js';
import type { Backups } from './backups.js';
import { assertBackupSchedule } from './schedule.js';
import { registerEncryptionCommands, type Removal } from './encryption-commands.js';

const USE_IAM = {
  'use-iam': {
    type: 'boolean',
    short: 'u',
    description: "use the server's own AWS credentials (environment, instance profile) instead of backup-auth",
  },
} as const;
const CREDENTIAL = /^[\x21-\x7e]{1,256}$/;
const REGION = /^[a-z0-9-]{1,64}$/;
const SIGNATURES = ['s3v4', 'v4'];

/**
 * TOPIC:backup, backup-auth, backup-deauth, backup-schedule, backup-schedule-cat,
 * backup-unschedule, backup-set-encryption, backup-unset-encryption,
 * backup-set-public-key-encryption, backup-unset-public-key-encryption, backup-list and
 * backup-report for one service plugin (TOPIC = its name), as Dokku's service plugins have them.
 */
export function registerBackupCommands(commands: CommandRegistry, backups: Backups): void {
  const topic = backups.source.plugin;
  const service = (name: string): string => {
    backups.source.assertService(name);
    return name;
  };

  commands.register({
    name: `${topic}:backup-auth`,
    summary: `Set the object storage credentials (S3 or compatible) a ${topic} service's backups use`,
    usage: 'NAME KEY SECRET [REGION] [SIGNATURE] [ENDPOINT]',
    description:
      `REGION defaults to us-east-1, SIGNATURE must be s3v4 (the default). ENDPOINT (https://...) points at an\n` +
      'S3-compatible store such as MinIO, R2 or B2. Stored 0600 on the server; never printed or logged.\n' +
      'From a remote client the endpoint may not be a private or loopback address.',
    examples: [
      `paas ${topic}:backup-auth blog-db AKIAEXAMPLE SECRETEXAMPLE`,
      `paas ${topic}:backup-auth blog-db KEY SECRET us-east-1 s3v4 https://minio.example.com`,
    ],
    secrets: { args: 1 },
    arity: [3, 6],
    async handler({ args: [name, key, secret, region, signature, endpoint], actor, stdout }) {
      const local = actor.transport === 'socket';
      const auth = parseAuth(key, secret, region, signature, endpoint, local);
      // A name, not only a literal address, may lead to the server's own network: refused now, and
      // checked and pinned again each time the endpoint is used (object-store.ts).
      if (auth.endpoint && !local) await pinPublicHost(new URL(auth.endpoint).hostname, 'endpoint', auth.endpoint);
      backups.config.update(service(name), (config) => ({ ...config, auth }));
      writeLine(stdout, `-----> Backup credentials set for ${topic} service ${name}${auth.endpoint ? ` (endpoint ${auth.endpoint})` : ''}`);
    },
  });

  commands.register({
    name: `${topic}:backup`,
    summary: `Back up a ${topic} service now, to a bucket or a server folder (file:///PATH)`,
    usage: 'NAME BUCKET[/PREFIX]|file:///FOLDER [--use-iam]',
    description:
      `Stores one file named ${topic}-NAME-YYYY-MM-DD-HH-MM-SS.${backups.source.extension} (.gpg added when encrypted).\n` +
      `A server folder is made if missing (0700); from a remote client only folders under ${backups.root} are allowed.\n` +
      `Restore with: paas ${topic}:import NAME --from BUCKET/OBJECT (or --from file:///PATH/FILE)`,
    examples: [`paas ${topic}:backup blog-db my-backups`, `paas ${topic}:backup blog-db file:///var/backups/paas`],
    flags: USE_IAM,
    arity: [2, 2],
    async handler({ args: [name, destination], flags, actor, stdout, signal }) {
      const useIam = flags['use-iam'] === true;
      const local = actor.transport === 'socket';
      backups.check(service(name), destination, { useIam, local });
      const result = await backups.backup(name, {
        destination: destination,
        useIam,
        local,
        trigger: 'command',
        signal,
        progress: (line) => writeLine(stdout, line),
      });
      if (result.status === 'failed') throw new UserError(`backup of ${name} failed: ${result.error}`);
      writeLine(stdout, `=====> Backup saved: ${result.location} (${result.bytes} bytes${result.encrypted ? ', encrypted' : ''})`);
    },
  });

  commands.register({
    name: `${topic}:backup-list`,
    summary: `List a ${topic} service's backups in a bucket or server folder, oldest first`,
    usage: 'NAME BUCKET[/PREFIX]|file:///FOLDER [--use-iam] [--format json]',
    examples: [`paas ${topic}:backup-list blog-db my-backups`],
    flags: { ...USE_IAM, ...FORMAT_FLAG },
    arity: [2, 2],
    async handler({ args: [name, destination], flags, actor, stdout, signal }) {
      const found = await backups.list(service(name), destination, {
        useIam: flags['use-iam'] === true,
        local: actor.transport === 'socket',
        signal,
      });
      if (flags.format === 'json') return writeJson(stdout, found);
      stdout.write(
        renderTable(
          ['NAME', 'BYTES', 'MODIFIED'],
          found.map((item) => [item.key, String(item.bytes), item.modified]),
        ),
      );
    },
  });

  commands.register({
    name: `${topic}:backup-schedule`,
    summary: `Back up a ${topic} service on a cron schedule (replaces its earlier schedule)`,
    usage: 'NAME SCHEDULE BUCKET[/PREFIX]|file:///FOLDER [--use-iam]',
    description:
      'SCHEDULE is five cron fields (minute hour day month weekday), six with seconds first, or @daily and the like,\n' +
      `in the server's time zone. Each run is recorded: a failed one shows in ${topic}:backup-report (which then\n` +
      'exits non-zero), as a backup-failed line in paas events, and as an error in the daemon log.',
    examples: [
      `paas ${topic}:backup-schedule blog-db "0 3 * * *" my-backups`,
      `paas ${topic}:backup-schedule blog-db @daily file:///var/backups/paas`,
    ],
    flags: USE_IAM,
    arity: [3, 3],
    async handler({ args: [name, schedule, destination], flags, actor, stdout }) {
      const cron = assertBackupSchedule(schedule);
      await backups.schedule(
        service(name),
        { cron, destination: destination, useIam: flags['use-iam'] === true },
        actor.transport === 'socket',
      );
      writeLine(stdout, `-----> Backups of ${topic} service ${name} scheduled: ${cron} to ${destination}`);
      writeLine(stdout, `       Next run: ${backups.nextRun(name)?.toISOString() ?? 'never (the schedule has no future date)'}`);
    },
  });

  commands.register({
    name: `${topic}:backup-schedule-cat`,
    summary: `Show the backup schedule of a ${topic} service as a crontab line`,
    usage: 'NAME',
    examples: [`paas ${topic}:backup-schedule-cat blog-db`],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      const { schedule } = backups.read(service(name));
      if (!schedule)
        throw new UserError(
          `no backup is scheduled for ${topic} service ${name}; schedule one with: paas ${topic}:backup-schedule ${name} "0 3 * * *" BUCKET`,
        );
      writeLine(stdout, `${schedule.cron} paas ${topic}:backup ${name} ${schedule.destination}${schedule.useIam ? ' --use-iam' : ''}`);
    },
  });

  /** The commands that take one setting away: NAME only, one line of output. */
  const removal: Removal = (verb, summary, remove, done) =>
    commands.register({
      name: `${topic}:${verb}`,
      summary,
      usage: 'NAME',
      examples: [`paas ${topic}:${verb} blog-db`],
      arity: [1, 1],
      handler({ args: [name], stdout }) {
        remove(service(name));
        writeLine(stdout, `-----> ${done(name)}`);
      },
    });

  removal(
    'backup-deauth',
    `Remove the backup credentials of a ${topic} service`,
    (name) => backups.config.update(name, ({ auth: _removed, ...config }) => config),
    (name) => `Backup credentials removed from ${topic} service ${name}`,
  );
  removal(
    'backup-unschedule',
    `Stop the scheduled backups of a ${topic} service`,
    (name) => backups.unschedule(name),
    (name) => `Scheduled backups of ${topic} service ${name} removed`,
  );
  registerEncryptionCommands(commands, backups, service, removal);

  commands.register({
    name: `${topic}:backup-report`,
    summary: `Show a ${topic} service's backup settings and last backup; exits non-zero when that failed`,
    usage: 'NAME [--format json]',
    examples: [`paas ${topic}:backup-report blog-db`],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    handler({ args: [name], flags, stdout, stderr }) {
      const config = backups.read(service(name));
      const report = backupReport(config, backups.nextRun(name));
      if (flags.format === 'json') writeJson(stdout, report);
      else
        stdout.write(
          renderReport(
            `${name} backup information`,
            Object.entries(report).map(([label, value]) => [label, value]),
          ),
        );
      if (config.last?.status !== 'failed') return;
      writeLine(stderr, `error: the last backup of ${name} failed: ${config.last.error ?? 'no reason recorded'}`);
      return 1;
    },
  });
}

/** The report's rows: never the credentials or the passphrase themselves. Pure. */
export function backupReport(config: BackupConfig, nextRun: Date | null): Record<string, string> {
  const { auth, schedule, last } = config;
  return {
    'Backup auth': auth ? ['set', `region ${auth.region}`, auth.endpoint ? `endpoint ${auth.endpoint}` : 'AWS'].join(', ') : 'none',
    'Backup encryption': config.publicKey
      ? `gpg public key ${config.publicKey.fingerprint}`
      : config.passphrase !== undefined
        ? 'gpg passphrase'
        : 'none',
    'Backup schedule': schedule ? `${schedule.cron} to ${schedule.destination}${schedule.useIam ? ' (IAM)' : ''}` : 'none',
    'Backup next run': nextRun?.toISOString() ?? '',
    'Backup last status': last ? last.status : 'never run',
    'Backup last trigger': last?.trigger ?? '',
    'Backup last started': last?.startedAt ?? '',
    'Backup last finished': last?.finishedAt ?? '',
    'Backup last location': last?.location ?? '',
    'Backup last size': last?.bytes !== undefined ? `${last.bytes} bytes` : '',
    'Backup last error': last?.error ?? '',
  };
}

/** backup-auth's arguments, checked; a remote caller's endpoint may not be private or loopback. Pure. */
export function parseAuth(
  key: string,
  secret: string,
  region: string | undefined,
  signature: string | undefined,
  endpoint: string | undefined,
  local: boolean,
): BackupAuth {
  if (!CREDENTIAL.test(key) || !CREDENTIAL.test(secret))
    throw new UserError('the access key and secret must be 1-256 printable characters without spaces');
  if (region !== undefined && !REGION.test(region))
    throw new UserError(`invalid region "${printable(region)}": lowercase letters, digits and dashes, e.g. us-east-1`);
  if (signature !== undefined && !SIGNATURES.includes(signature)) {
    throw new UserError(
      `signature version "${printable(signature)}" is not supported; paas signs requests with s3v4 (give s3v4 or leave it out)`,
    );
  }
  return {
    accessKeyId: key,
    secretAccessKey: secret,
    region: region ?? 'us-east-1',
    signatureVersion: 's3v4',
    ...(endpoint !== undefined ? { endpoint: parseEndpoint(endpoint, local), ...(local ? { endpointFromServer: true } : {}) } : {}),
  };
}

function parseEndpoint(text: string, local: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`invalid endpoint "${printable(text)}": give a URL like https://minio.example.com`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) {
    throw new UserError(
      `invalid endpoint "${printable(text)}": an http(s) URL without credentials, query or fragment, like https://minio.example.com`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!local && isPrivateHost(host)) {
    throw new UserError(
      `endpoint ${printable(text)} is a private or loopback address; only the paas command on the server may set such an endpoint`,
    );
  }
  return url.toString().replace(/\/$/, '');
}
