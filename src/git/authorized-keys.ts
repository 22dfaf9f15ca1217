import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SshKeyRow } from '../store/ssh-keys.js';

/** A system user from /etc/passwd. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const SAFE_WORD = /^[A-Za-z0-9._/@:+=-]+$/;

/**
 * One authorized_keys line per key: the forced command hands every request to the daemon as
 * that key; `restrict` turns off port, agent and X11 forwarding and ~/.ssh/rc, `pty` allows a
 * terminal for `ssh -t` (run, enter, postgres:connect). Words that a shell would read
 * differently are refused rather than quoted.
 */
export function renderAuthorizedKeys(keys: readonly SshKeyRow[], program: readonly string[], socket: string): string {
  const lines = ['# Written by paas from its ssh-keys; edit with: paas ssh-keys:add / ssh-keys:remove'];
  for (const key of keys) {
    const words = [...program, 'ssh-forward', '--socket', socket, '--key', key.name, '--fingerprint', key.fingerprint];
    const bad = words.find((word) => !SAFE_WORD.test(word));
    if (bad !== undefined) throw new Error(`cannot put "${bad}" in a forced command; use a path of plain characters`);
    const publicKey = key.publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
    lines.push(`restrict,pty,command="${words.join(' ')}" ${publicKey} ${key.name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The named users as /etc/passwd has them; missing ones are left out. */
export function systemUsers(names: readonly string[], passwd = readFileSync('/etc/passwd', 'utf8')): SystemUser[] {
  const users: SystemUser[] = [];
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':');
    if (name && names.includes(name) && home) users.push({ name, uid: Number(uid), gid: Number(gid), home });
  }
  return names.map((name) => users.find((u) => u.name === name)).filter((u): u is SystemUser => u !== undefined);
}

/** Writes ~USER/.ssh/authorized_keys (0600, the user's own) in one step: sshd never reads half a file. */
export function writeAuthorizedKeys(user: SystemUser, content: string): void {
  const dir = join(user.home, '.ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  const file = join(dir, 'authorized_keys');
  const tmp = join(dirname(file), `.authorized_keys.${process.pid}`);
  writeFileSync(tmp, content, { mode: 0o600 });
  chownSync(tmp, user.uid, user.gid);
  renameSync(tmp, file);
}
