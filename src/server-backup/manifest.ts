import { UserError } from '../core/errors.js';

/** manifest.json, the first entry of a server backup. */
export interface BackupManifest {
  format: 1;
  /** The paas version that wrote it. */
  paas: string;
  createdAt: string;
  /** The install it came from: its Docker objects were named after it. */
  instance: string;
  apps: string[];
  /** Secret files inside are sealed with a passphrase. */
  sealed: boolean;
  withData: boolean;
  withImages: boolean;
}

/** Checks what an archive claims to be before anything of it is used. Pure. */
export function parseManifest(raw: unknown): BackupManifest {
  const m = raw as Partial<BackupManifest> | null;
  if (typeof m !== 'object' || m === null || m.format === undefined)
    throw new UserError('not a paas server backup: manifest.json is not one paas wrote');
  if (m.format !== 1)
    throw new UserError(`this backup has format ${String(m.format)}, which this paas cannot read; import it with a newer paas`);
  if (typeof m.instance !== 'string' || !/^[a-z0-9]{8}$/.test(m.instance))
    throw new UserError('not a paas server backup: manifest.json has no valid instance');
  if (!Array.isArray(m.apps) || !m.apps.every((app) => typeof app === 'string'))
    throw new UserError('not a paas server backup: manifest.json has no app list');
  return {
    format: 1,
    paas: String(m.paas ?? 'unknown'),
    createdAt: String(m.createdAt ?? 'unknown'),
    instance: m.instance,
    apps: m.apps,
    sealed: m.sealed === true,
    withData: m.withData === true,
    withImages: m.withImages === true,
  };
}
