import type { Part } from '../../core/part.js';
import { servicePart } from '../service-kit/service-part.js';
import { redisBackup } from './backup-source.js';
import { registerDataCommands } from './data-commands.js';
import { REDIS } from './redis-service.js';

/**
 * The redis service plugin, shaped like dokku-redis: the service kit's commands for the REDIS
 * definition, plus redis-cli (connect) and RDB snapshots (export, import).
 */
export function redisPlugin(): Part {
  return servicePart(REDIS, {
    description: 'redis:* commands: key-value stores linked to apps by REDIS_URL',
    register: registerDataCommands,
    backup: redisBackup,
  });
}
