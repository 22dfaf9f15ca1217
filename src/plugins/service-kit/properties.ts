import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { parseNetworkList } from '../../network/network-names.js';

/**
 * `<plugin>:set` keys paas implements, as Dokku's service plugins name them. Both network keys
 * put the container on network:create'd networks; paas joins them whenever the container is
 * made or started, and at once when set. Pure.
 */
export const SERVICE_PROPERTIES = {
  'post-create-network': 'networks (comma-separated) the container joins after it is made',
  'post-start-network': 'networks (comma-separated) the container joins each time it starts',
} as const;

export type ServiceProperty = keyof typeof SERVICE_PROPERTIES;

/** Dokku's keys paas does not implement, with why, for a clear refusal. */
const NOT_IMPLEMENTED: Record<string, string> = {
  'initial-network': "a paas service always starts on its own network (its linked apps' way in)",
};

/** The key, checked; a refusal lists the supported keys. Pure. */
export function assertPropertyKey(key: string, plugin: string): ServiceProperty {
  if (key in SERVICE_PROPERTIES) return key as ServiceProperty;
  const supported = Object.keys(SERVICE_PROPERTIES).join(', ');
  const why = NOT_IMPLEMENTED[key];
  throw new UserError(
    why
      ? `${plugin}:set ${key} is not supported: ${why}; supported keys: ${supported}`
      : `unknown ${plugin}:set key "${printable(key)}"; supported keys: ${supported}`,
  );
}

/** The stored value: network names space-separated (each checked); '' clears it. Pure. */
export function parsePropertyValue(_key: ServiceProperty, value: string): string {
  return parseNetworkList(value, false);
}

/** The network:create'd networks the properties name, without repeats. Pure. */
export function extraNetworks(properties: Readonly<Record<string, string>>): string[] {
  const names = (Object.keys(SERVICE_PROPERTIES) as ServiceProperty[]).flatMap((key) => (properties[key] ?? '').split(' ').filter(Boolean));
  return [...new Set(names)];
}
