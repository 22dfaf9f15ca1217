import { LABELS } from '../../deploy/naming.js';

/** Names and labels of a service's Docker objects; the instance keeps two daemons apart. Pure. */
export const SERVICE_LABEL = 'paas.service';
export const SERVICE_ROLE = 'service';

export function serviceContainerName(instance: string, service: string): string {
  return `paas-${instance}-postgres-${service}`;
}

export function serviceVolumeName(instance: string, service: string): string {
  return `paas-postgres-${instance}-${service}`;
}

export function serviceLabels(instance: string, service: string): Record<string, string> {
  return { [LABELS.instance]: instance, [LABELS.role]: SERVICE_ROLE, [SERVICE_LABEL]: service };
}

/**
 * Where the data volume is mounted: the official image keeps its cluster in
 * /var/lib/postgresql/data before version 18 and under /var/lib/postgresql from 18 on.
 */
export function dataMountPath(version: string): string {
  const major = /^(\d+)/.exec(version);
  return major && Number(major[1]) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}
