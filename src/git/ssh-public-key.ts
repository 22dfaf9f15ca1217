import { createHash, createPublicKey } from 'node:crypto';
import type { ParsedKey } from 'ssh2';
import { ssh2 } from '../ssh/ssh2-module.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

/** Key types a user may register; the ones OpenSSH 9 still offers by default. */
export const SSH_KEY_TYPES: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
];

export interface PublicKey {
  type: string;
  /** The SSH wire blob (the base64 part of the line, decoded). */
  blob: Buffer;
  /** The normalised line to store: "TYPE BASE64 [comment]". */
  line: string;
  fingerprint: string;
}

/** Shorter RSA keys can be factored with public means (NIST and OpenSSH dropped them). */
export const MIN_RSA_BITS = 2048;

const HOW_TO = 'give the one line of a .pub file, e.g. ~/.ssh/id_ed25519.pub';

/** `SHA256:` + unpadded base64 of sha256(blob): what `ssh-keygen -lf` prints. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Reads exactly one OpenSSH public key line (blank lines and `#` comments around it are
 * ignored) and checks it with ssh2's own parser, so a stored key is one the server can verify.
 */
export function parsePublicKey(text: string): PublicKey {
  if (/PRIVATE KEY/.test(text)) {
    throw new UserError(`that is a private key; keep it secret and ${HOW_TO}`);
  }
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length === 0) throw new UserError(`no public key given; ${HOW_TO}`);
  if (lines.length > 1) throw new UserError(`give one public key at a time (got ${lines.length} lines); ${HOW_TO}`);

  const [type = '', base64 = '', ...comment] = lines[0].split(/\s+/);
  if (!SSH_KEY_TYPES.includes(type)) {
    const known = type.startsWith('sk-') || type === 'ssh-dss';
    throw new UserError(
      known
        ? `${printable(type)} keys are not supported; use an ed25519, ecdsa or rsa key (ssh-keygen -t ed25519)`
        : `not an OpenSSH public key line (it must start with one of ${SSH_KEY_TYPES.join(', ')}); ${HOW_TO}`,
    );
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new UserError(`malformed ${type} public key; ${HOW_TO}`);

  const line = [type, base64, ...comment].join(' ');
  const parsed = ssh2().utils.parseKey(line);
  const blob = Buffer.from(base64, 'base64');
  if (parsed instanceof Error || parsed.isPrivateKey() || parsed.type !== type || !parsed.getPublicSSH().equals(blob)) {
    throw new UserError(`malformed ${type} public key; ${HOW_TO}`);
  }
  if (type === 'ssh-rsa') {
    const bits = createPublicKey(parsed.getPublicPEM()).asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new UserError(
        `this rsa key has ${bits} bits, which is too weak; use an ed25519 key (ssh-keygen -t ed25519) or rsa of at least ${MIN_RSA_BITS} bits`,
      );
    }
  }
  return { type, blob, line, fingerprint: fingerprintOf(blob) };
}

/**
 * True only when `signature` over `data` was made by the private half of `publicKeyLine`.
 * ssh2 checks nothing itself: a login that skips this lets anyone who knows a public key in.
 */
export function verifyKeySignature(publicKeyLine: string, data: Buffer, signature: Buffer, hashAlgo: string | undefined): boolean {
  const key: ParsedKey | Error = ssh2().utils.parseKey(publicKeyLine);
  if (key instanceof Error) return false;
  try {
    return key.verify(data, signature, hashAlgo) === true;
  } catch {
    return false;
  }
}
