import type { Db } from './database.js';
import { now } from './database.js';

export interface SshKeyRow {
  name: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The authorized_keys line: "ssh-ed25519 AAAA... comment". */
  publicKey: string;
  createdAt: string;
}

interface RawSshKey {
  name: string;
  fingerprint: string;
  public_key: string;
  created_at: string;
}

const toSshKey = (row: RawSshKey): SshKeyRow => ({
  name: row.name,
  fingerprint: row.fingerprint,
  publicKey: row.public_key,
  createdAt: row.created_at,
});

/** Public keys allowed to use the SSH server; a key is found by its fingerprint when a client logs in. */
export class SshKeysTable {
  constructor(private readonly db: Db) {}

  add(key: { name: string; fingerprint: string; publicKey: string }): void {
    this.db
      .prepare('INSERT INTO ssh_keys (name, fingerprint, public_key, created_at) VALUES (?, ?, ?, ?)')
      .run(key.name, key.fingerprint, key.publicKey, now());
  }

  byName(name: string): SshKeyRow | undefined {
    const row = this.db.prepare('SELECT * FROM ssh_keys WHERE name = ?').get(name) as RawSshKey | undefined;
    return row && toSshKey(row);
  }

  byFingerprint(fingerprint: string): SshKeyRow | undefined {
    const row = this.db.prepare('SELECT * FROM ssh_keys WHERE fingerprint = ?').get(fingerprint) as RawSshKey | undefined;
    return row && toSshKey(row);
  }

  list(): SshKeyRow[] {
    return (this.db.prepare('SELECT * FROM ssh_keys ORDER BY name').all() as RawSshKey[]).map(toSshKey);
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM ssh_keys WHERE name = ?').run(name).changes > 0;
  }
}
