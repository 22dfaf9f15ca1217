import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { UserError } from '../core/errors.js';

/**
 * Secret files inside a server backup, sealed with a passphrase: scrypt turns the passphrase
 * into a key, AES-256-GCM encrypts and authenticates. Layout: MAGIC, salt (16), iv (12),
 * tag (16), ciphertext. Pure apart from the random salt and iv.
 */
const MAGIC = Buffer.from('PAASBOX1');
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 ** 2 } as const;

function keyOf(passphrase: string, salt: Buffer): Buffer {
  return scryptSync(passphrase, salt, 32, SCRYPT);
}

export function seal(data: Buffer, passphrase: string): Buffer {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(passphrase, salt), iv);
  const body = Buffer.concat([cipher.update(data), cipher.final()]);
  return Buffer.concat([MAGIC, salt, iv, cipher.getAuthTag(), body]);
}

export function open(sealed: Buffer, passphrase: string): Buffer {
  if (sealed.length < MAGIC.length + 44 || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new UserError('the backup is damaged: an encrypted file in it is not one paas wrote');
  }
  let at = MAGIC.length;
  const take = (n: number) => sealed.subarray(at, (at += n));
  const salt = take(16);
  const iv = take(12);
  const tag = take(16);
  const decipher = createDecipheriv('aes-256-gcm', keyOf(passphrase, salt), iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(at)), decipher.final()]);
  } catch {
    throw new UserError('wrong passphrase for this backup (or the backup is damaged)');
  }
}
