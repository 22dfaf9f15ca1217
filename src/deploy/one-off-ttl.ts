import type Docker from 'dockerode';
import type { FlagSpec } from '../core/command.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { LABELS } from './naming.js';

/** As in Dokku, a one-off container (run, run:detached, cron) runs for at most a day by default. */
export const DEFAULT_TTL_SECONDS = 86_400;
/** The label holding when a one-off container is stopped: seconds since the epoch. */
export const EXPIRES_LABEL = 'paas.expires-at';

export const TTL_FLAG: Record<string, FlagSpec> = {
  'ttl-seconds': {
    type: 'string',
    description: `stop the container after this many seconds (default ${DEFAULT_TTL_SECONDS}, a day)`,
    placeholder: 'SECONDS',
  },
};

/** `--ttl-seconds` into seconds: a whole number from 1 to a year. Pure. */
export function ttlSeconds(flag: string | boolean | undefined): number {
  if (flag === undefined || flag === false) return DEFAULT_TTL_SECONDS;
  const text = String(flag);
  if (!/^[1-9]\d{0,7}$/.test(text) || Number(text) > 31_536_000) {
    throw new UserError(`--ttl-seconds must be a whole number of seconds from 1 to 31536000; got "${printable(text)}"`);
  }
  return Number(text);
}

/** The label of a container that may run `ttl` seconds from `now` (ms). Pure. */
export function expiryLabel(ttl: number, now = Date.now()): Record<string, string> {
  return { [EXPIRES_LABEL]: String(Math.floor(now / 1000) + ttl) };
}

/** Whether a container with these labels has run past its time. Pure. */
export function hasExpired(labels: Record<string, string> | undefined, now = Date.now()): boolean {
  const at = Number(labels?.[EXPIRES_LABEL]);
  return Number.isFinite(at) && at > 0 && at * 1000 <= now;
}

/**
 * Stops the instance's one-off containers that ran past their `--ttl-seconds` (run:detached,
 * and any a daemon restart left behind). Returns their names.
 */
export async function reapExpiredOneOffs(docker: Docker, instance: string): Promise<string[]> {
  const containers = await docker.listContainers({
    filters: { label: [`${LABELS.instance}=${instance}`, `${LABELS.role}=one-off`, EXPIRES_LABEL], status: ['running'] },
  });
  const expired = containers.filter((c) => hasExpired(c.Labels));
  await Promise.all(
    expired.map((c) =>
      docker
        .getContainer(c.Id)
        .kill()
        .catch(() => undefined),
    ),
  );
  return expired.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}
