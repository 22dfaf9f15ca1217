import type { Upstream } from '../core/events.js';
import type { ProcessContainer } from './scheduler.js';

/** Where nginx should send an app's requests: the web containers among `processes` that have an address. */
export function webUpstreams(processes: readonly ProcessContainer[], port: number): Upstream[] {
  // A swarm task answers on its own published port; a docker-local container on the release's.
  return processes.flatMap((p) => (p.type === 'web' && p.ip ? [{ host: p.ip, port: p.port ?? port }] : []));
}
