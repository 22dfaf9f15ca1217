import { LABELS } from '../../deploy/naming.js';

/** Names and labels of a service's Docker objects; the instance keeps two daemons apart. Pure. */
export const SERVICE_LABEL = 'paas.service';
export const SERVICE_PLUGIN_LABEL = 'paas.service-plugin';
export const SERVICE_ROLE = 'service';

export function serviceContainerName(instance: string, plugin: string, service: string): string {
  return `paas-${instance}-${plugin}-${service}`;
}

export function serviceVolumeName(instance: string, plugin: string, service: string): string {
  return `paas-${plugin}-${instance}-${service}`;
}

/** The stable hostname of a service on its own network (a DNS alias of its container). */
export function serviceHost(plugin: string, service: string): string {
  return `paas-${plugin}-${service}`;
}

export function serviceLabels(instance: string, plugin: string, service: string): Record<string, string> {
  return { [LABELS.instance]: instance, [LABELS.role]: SERVICE_ROLE, [SERVICE_LABEL]: service, [SERVICE_PLUGIN_LABEL]: plugin };
}
