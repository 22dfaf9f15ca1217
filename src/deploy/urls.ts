import type { UrlRegistry } from '../core/urls.js';
import type { DockerLocalScheduler } from './scheduler.js';

/** The proxy's URLs for the app; without any, the loopback ports its web containers publish. */
export async function appUrls(
  registry: UrlRegistry,
  scheduler: DockerLocalScheduler,
  app: { id: number; name: string },
  release: number,
): Promise<string[]> {
  const routed = await registry.of(app.name);
  if (routed.length) return routed;
  const processes = await scheduler.list(app.id);
  return processes
    .filter((p) => p.type === 'web' && p.release === release && p.running && p.hostPort)
    .map((p) => `http://127.0.0.1:${p.hostPort}`);
}
