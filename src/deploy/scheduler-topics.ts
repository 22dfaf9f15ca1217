import { isIP } from 'node:net';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { readProperty, type TopicSpec } from '../core/properties.js';
import type { PropertiesTable } from '../store/properties.js';

export const SCHEDULERS = ['docker-local', 'swarm'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

/** scheduler:set / scheduler:report: which scheduler runs an app's processes (Dokku's scheduler management). */
export const SCHEDULER_TOPIC: TopicSpec = {
  topic: 'scheduler',
  namespace: 'scheduler',
  properties: [
    {
      key: 'selected',
      scope: 'app+global',
      summary: `the scheduler that runs the app's processes: ${SCHEDULERS.join(' or ')} (from the next deploy or ps:restart)`,
      default: 'docker-local',
      validate(value) {
        if (!(SCHEDULERS as readonly string[]).includes(value)) {
          throw new UserError(`unknown scheduler "${printable(value)}"; pick one of: ${SCHEDULERS.join(', ')}`);
        }
        return value;
      },
    },
  ],
};

/** One Swarm placement constraint, as `docker service create --constraint` takes it. */
const CONSTRAINT =
  /^(node\.(id|hostname|role|platform\.os|platform\.arch|labels\.[A-Za-z0-9_.-]+)|engine\.labels\.[A-Za-z0-9_.-]+)\s*(==|!=)\s*[A-Za-z0-9_.:-]+$/;

/** Constraints separated by commas or semicolons; each must be a Swarm constraint expression. */
export function parseConstraints(value: string): string[] {
  const constraints = value
    .split(/[,;]/)
    .map((c) => c.trim())
    .filter(Boolean);
  const bad = constraints.find((c) => !CONSTRAINT.test(c));
  if (bad !== undefined) {
    throw new UserError(`invalid placement constraint "${printable(bad)}"; use e.g. node.role==worker or node.labels.zone==eu1`);
  }
  return constraints;
}

/** scheduler-swarm:set / scheduler-swarm:report: where a swarm app's tasks may run, and the manager's address. */
export const SWARM_TOPIC: TopicSpec = {
  topic: 'scheduler-swarm',
  namespace: 'scheduler-swarm',
  properties: [
    {
      key: 'placement',
      scope: 'app+global',
      summary: "placement constraints of the app's tasks, comma separated (e.g. node.labels.zone==eu1,node.role!=manager)",
      validate: (value) => parseConstraints(value).join(','),
    },
    {
      key: 'manager-address',
      scope: 'global',
      summary: 'the address other nodes reach this server at; nodes:add starts the swarm with it',
      validate(value) {
        if (isIP(value) === 0) throw new UserError(`manager-address must be an IP address (got "${printable(value)}")`);
        return value;
      },
    },
  ],
};

export function schedulerOf(properties: PropertiesTable, app: { id: number }): SchedulerName {
  return readProperty(properties, SCHEDULER_TOPIC, 'selected', app.id) === 'swarm' ? 'swarm' : 'docker-local';
}

export function placementOf(properties: PropertiesTable, app: { id: number }): string[] {
  const value = readProperty(properties, SWARM_TOPIC, 'placement', app.id);
  return value ? parseConstraints(value) : [];
}
