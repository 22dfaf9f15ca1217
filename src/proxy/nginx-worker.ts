import { execFile } from 'node:child_process';
import { chownSync, chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * nginx's workers (the processes that talk to clients and apps) run as this unprivileged
 * system user when the daemon runs as root; the master stays root to bind ports 80/443 and
 * to read the certificate keys, which no worker ever opens.
 */
export const NGINX_USER = 'paas-nginx';
/** When the user cannot be made (no useradd): still not root. */
const FALLBACK = { user: 'nobody', group: 'nogroup' } as const;
/** Workers' temp files (request bodies, buffered responses): outside PAAS_HOME, which is root's only. */
export const WORKER_TEMP_ROOT = '/var/lib/paas-nginx';

export interface NginxWorker {
  user: string;
  group: string;
  /** The temp dirs' parent, owned by the worker user; nginx makes the dirs under it. */
  tempDir: string;
}

export interface Account {
  uid: number;
  gid: number;
}

/** A user's uid and primary gid from /etc/passwd text. Pure. */
export function findAccount(passwd: string, name: string): Account | undefined {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** A group's name from /etc/group text. Pure. */
export function groupName(group: string, gid: number): string | undefined {
  for (const line of group.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && Number(id) === gid && id !== '') return name;
  }
  return undefined;
}

const readEtc = (file: string) => {
  try {
    return readFileSync(join('/etc', file), 'utf8');
  } catch {
    return '';
  }
};

function useradd(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name],
      { timeout: 30_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`useradd ${name}: ${String(stderr).trim() || error.message}`)) : resolve()),
    );
  });
}

/** The account nginx's workers run as: paas-nginx, made when missing (install.sh makes it too). */
export async function ensureNginxUser(warn: (message: string, error: unknown) => void): Promise<Account & { user: string; group: string }> {
  let account = findAccount(readEtc('passwd'), NGINX_USER);
  if (!account) {
    await useradd(NGINX_USER).catch((error: unknown) =>
      warn(`could not create the ${NGINX_USER} user; nginx workers run as ${FALLBACK.user}`, error),
    );
    account = findAccount(readEtc('passwd'), NGINX_USER);
  }
  if (account) return { ...account, user: NGINX_USER, group: groupName(readEtc('group'), account.gid) ?? NGINX_USER };
  return { ...(findAccount(readEtc('passwd'), FALLBACK.user) ?? { uid: 65534, gid: 65534 }), ...FALLBACK };
}

/**
 * The worker user and its temp dir for this instance, owned by it and private to it. Only for
 * a daemon that runs as root.
 */
export async function prepareNginxWorker(instance: string, warn: (message: string, error: unknown) => void): Promise<NginxWorker> {
  const account = await ensureNginxUser(warn);
  mkdirSync(WORKER_TEMP_ROOT, { recursive: true, mode: 0o755 });
  chmodSync(WORKER_TEMP_ROOT, 0o755); // the daemon's umask is 077; the workers must get through
  const tempDir = join(WORKER_TEMP_ROOT, instance);
  mkdirSync(tempDir, { recursive: true, mode: 0o700 });
  chownSync(tempDir, account.uid, account.gid);
  chmodSync(tempDir, 0o700);
  return { user: account.user, group: account.group, tempDir };
}
