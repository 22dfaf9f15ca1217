import { randomBytes } from 'node:crypto';

/** Names and labels of the Docker objects a daemon makes; the instance keeps daemons apart. */
export const LABELS = {
  instance: 'paas.instance',
  app: 'paas.app',
  appId: 'paas.app-id',
  release: 'paas.release',
  process: 'paas.process',
  index: 'paas.index',
  role: 'paas.role',
} as const;

export function networkName(instance: string): string {
  return `paas-${instance}`;
}

/**
 * A service's own network (`paas-<instance>-<kind>-<name>`): only apps linked to the service
 * join it. The scheduler takes an app's containers off any `paas-<instance>-...` network its
 * links no longer name, so every service network must be named here.
 */
export function serviceNetworkName(instance: string, kind: string, service: string): string {
  return `${networkName(instance)}-${kind}-${service}`;
}

export function imageRepository(instance: string, app: string): string {
  return `paas-${instance}/${app}`;
}

export function containerName(instance: string, app: string, type: string, index: number): string {
  return `paas-${instance}-${app}.${type}.${index}-${randomBytes(3).toString('hex')}`;
}

export interface ProcessIdentity {
  instance: string;
  appId: number;
  app: string;
  release: number;
  type: string;
  index: number;
}

export function processLabels(id: ProcessIdentity): Record<string, string> {
  return {
    [LABELS.instance]: id.instance,
    [LABELS.app]: id.app,
    [LABELS.appId]: String(id.appId),
    [LABELS.release]: String(id.release),
    [LABELS.process]: id.type,
    [LABELS.index]: String(id.index),
    [LABELS.role]: 'process',
  };
}

/**
 * The name a process answers to on the networks it joins besides the paas network (Dokku's
 * `APP.PROCESS`, shared by the type's containers): how apps on a shared network (network:create)
 * reach each other. (`APP.PROCESS.N` is the paas network's alias, where apps cannot talk.) Pure.
 */
export function processAliases(app: string, type: string): string[] {
  return [`${app}.${type}`];
}

/** processAliases from a container's labels; none for one-offs. Pure. */
export function aliasesOf(labels: Record<string, string>): string[] | undefined {
  const [app, type] = [labels[LABELS.app], labels[LABELS.process]];
  return labels[LABELS.role] === 'process' && app && type ? processAliases(app, type) : undefined;
}
