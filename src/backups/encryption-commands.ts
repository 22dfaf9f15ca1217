import type { CommandRegistry } from '../core/registry.js';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { readCapped } from '../core/read-capped.js';
import type { Backups } from './backups.js';

/** A public key (with its user ids and subkeys) is a few KiB; more is not a key. */
const MAX_KEY_BYTES = 256 * 1024;

/** Registers a command that takes one setting away: NAME only, one line of output. */
export type Removal = (verb: string, summary: string, remove: (name: string) => void, done: (name: string) => string) => void;

/**
 * TOPIC:backup-set-encryption and backup-unset-encryption (a passphrase), and
 * backup-set-public-key-encryption and backup-unset-public-key-encryption (a GPG public key).
 */
export function registerEncryptionCommands(
  commands: CommandRegistry,
  backups: Backups,
  service: (name: string) => string,
  removal: Removal,
): void {
  const topic = backups.source.plugin;

  commands.register({
    name: `${topic}:backup-set-encryption`,
    summary: `Encrypt every later backup of a ${topic} service with a GPG passphrase`,
    usage: 'NAME PASSPHRASE',
    description:
      'Backups are encrypted with gpg --symmetric (AES256) and named .gpg; decrypt one with gpg --decrypt, or restore it\n' +
      `with ${topic}:import --from (the target service needs the same passphrase). Stored 0600; never printed or logged.`,
    examples: [`paas ${topic}:backup-set-encryption blog-db 'correct horse battery staple'`],
    secrets: { args: 1 },
    arity: [2, 2],
    handler({ args: [name, passphrase], stdout }) {
      if (!/^[^\x00-\x1f\x7f]{8,1024}$/.test(passphrase)) {
        throw new UserError('the passphrase must be 8 to 1024 characters, without control characters or line breaks');
      }
      backups.config.update(service(name), (config) => ({ ...config, passphrase }));
      writeLine(stdout, `-----> Later backups of ${topic} service ${name} will be encrypted`);
    },
  });

  commands.register({
    name: `${topic}:backup-set-public-key-encryption`,
    summary: `Encrypt every later backup of a ${topic} service to a GPG public key (read from standard input)`,
    usage: 'NAME [KEY-ID] < PUBLIC-KEY',
    description:
      'Give the public key on standard input (gpg --armor --export KEY-ID); KEY-ID picks one key when it holds several.\n' +
      'Backups are then encrypted with gpg --encrypt to that key (named .gpg): only the private key, which never goes\n' +
      `on the server, opens them (gpg --decrypt). It takes precedence over backup-set-encryption. Stored 0600.\n` +
      'Dokku takes a key id and fetches the key from a keyserver; paas reads it from standard input instead.',
    examples: [
      `gpg --armor --export backups@example.com | paas ${topic}:backup-set-public-key-encryption blog-db`,
      `paas ${topic}:backup-set-public-key-encryption blog-db 0x1234ABCD5678EF90 < keys.asc`,
    ],
    arity: [1, 2],
    async handler({ args: [name, keyId], stdin, stdout }) {
      service(name);
      const data = await readCapped(stdin, MAX_KEY_BYTES, `the key on standard input is bigger than ${MAX_KEY_BYTES / 1024} KiB`);
      if (!data.length)
        throw new UserError(
          `give the public key on standard input: gpg --armor --export KEY-ID | paas ${topic}:backup-set-public-key-encryption ${name}`,
        );
      const key = await backups.setPublicKey(name, data, keyId);
      writeLine(
        stdout,
        `-----> Later backups of ${topic} service ${name} will be encrypted to ${key.fingerprint}${key.userIds.length ? ` (${key.userIds.join(', ')})` : ''}`,
      );
    },
  });

  removal(
    'backup-unset-encryption',
    `Stop encrypting the backups of a ${topic} service`,
    (name) => backups.config.update(name, ({ passphrase: _removed, ...config }) => config),
    (name) => `Later backups of ${topic} service ${name} will not be encrypted`,
  );

  removal(
    'backup-unset-public-key-encryption',
    `Stop encrypting the backups of a ${topic} service to a GPG public key`,
    (name) => backups.config.update(name, ({ publicKey: _removed, ...config }) => config),
    (name) => `Later backups of ${topic} service ${name} will not be encrypted to a public key`,
  );
}
