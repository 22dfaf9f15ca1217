import { eventsPart } from './events-part.js';
import { appsPart } from '../core/commands/apps.js';
import { configPart } from '../core/commands/config.js';
import { helpPart } from '../core/commands/help.js';
import { versionPart } from '../core/commands/version.js';
import type { Part } from '../core/part.js';
import { pluginCommandsPart } from './plugin-commands.js';
import { tokensPart } from './tokens-commands.js';
import { apiPart } from './api-commands.js';
import { gitPart } from '../git/git-part.js';
import { deploySourcesPart } from '../git/deploy-sources-part.js';
import { sshPart } from '../ssh/ssh-part.js';
import { sshKeysPart } from '../git/ssh-keys-commands.js';
import { deployPart } from '../deploy/deploy-part.js';
import { dockerfileBuilderPart } from '../build/dockerfile-part.js';
import { buildpacksPart } from '../build/buildpacks/buildpacks-part.js';
import { proxyPart } from '../proxy/proxy-part.js';
import { storagePart } from '../storage/storage-part.js';
import { maintenancePart } from '../maintenance/maintenance-part.js';
import { dashboardPart } from '../dashboard/dashboard-part.js';
import { dockerOptionsPart } from '../docker-options/docker-options-part.js';
import { networkPart } from '../network/network-part.js';
import { serverBackupPart } from '../server-backup/backup-part.js';
import { postgresPlugin } from '../plugins/postgres/postgres-part.js';
import { redisPlugin } from '../plugins/redis/redis-part.js';

/** Every part of paas, in registration order. Plugins go on the same list. */
export function allParts(): Part[] {
  const network = networkPart();
  const parts: Part[] = [
    helpPart,
    versionPart,
    appsPart,
    configPart,
    tokensPart,
    apiPart,
    sshKeysPart,
    gitPart(),
    sshPart(),
    dockerfileBuilderPart,
    buildpacksPart,
    deployPart(),
    deploySourcesPart,
    proxyPart(),
    storagePart,
    maintenancePart(),
    network,
    dockerOptionsPart(network.checkNetwork),
    serverBackupPart(),
    postgresPlugin(),
    redisPlugin(),
    eventsPart,
    dashboardPart(),
  ];
  parts.push(pluginCommandsPart(parts));
  return parts;
}
