import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fingerprintOf } from '../git/ssh-public-key.js';
import { ssh2 } from './ssh2-module.js';

/** Reads the host key, or makes one the first time: a new key makes clients warn loudly. */
export function loadOrCreateHostKey(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { private: privateKey } = ssh2().utils.generateKeyPairSync('ed25519');
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

export function hostKeyFingerprint(privateKey: string): string | undefined {
  const parsed = ssh2().utils.parseKey(privateKey);
  return parsed instanceof Error ? undefined : fingerprintOf(parsed.getPublicSSH());
}
