import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fingerprintOf } from '../git/ssh-public-key.js';
import { ssh2 } from './ssh2-module.js';

/** Reads the host key, or makes one the first time: a new key makes clients warn loudly. */
export function loadOrCreateHostKey(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const privateKey = newHostKey();
    // 'wx': never overwrite a key another process wrote meanwhile.
    try {
      writeFileSync(path, privateKey, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = readFileSync(path, 'utf8');
  const parsed = ssh2().utils.parseKey(key);
  if (parsed instanceof Error || !parsed.isPrivateKey()) {
    const reason = parsed instanceof Error ? parsed.message : 'not a private key';
    throw new Error(
      `the SSH host key ${path} is unreadable (${reason}); restore it, or delete it to make a new one ` +
        '(clients will then warn that the host key changed)',
    );
  }
  return key;
}

/**
 * A new ed25519 key that ssh2 can read back. ssh2's generator writes a key its own parser
 * refuses about once in 250 tries ("Malformed OpenSSH private key"): such a key is made again.
 */
function newHostKey(): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { private: privateKey } = ssh2().utils.generateKeyPairSync('ed25519');
    if (!(ssh2().utils.parseKey(privateKey) instanceof Error)) return privateKey;
  }
  throw new Error('could not make an SSH host key that ssh2 reads back');
}

export function hostKeyFingerprint(privateKey: string): string | undefined {
  const parsed = ssh2().utils.parseKey(privateKey);
  return parsed instanceof Error ? undefined : fingerprintOf(parsed.getPublicSSH());
}
