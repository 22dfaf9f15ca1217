import type { UrlRegistry } from '../core/urls.js';
import type { DockerLocalScheduler } from './scheduler.js';

/**
 * The proxy's URLs for the app; without any (an app with no domain is not routed), the
 * addresses of its web containers on the paas network, which answer to root on the server only.
 * Nothing is published on the host's ports, so these are the only other way in.
 */
export async function appUrls(
  registry: UrlRegistry,
  scheduler: DockerLocalScheduler,
  app: { id: number; name: string },
  release: { version: number; port: number },
): Promise<string[]> {
  const routed = await registry.of(app.name);
  if (routed.length) return routed;
  const processes = await scheduler.list(app.id);
  return processes
    .filter((p) => p.type === 'web' && p.release === release.version && p.running && p.ip)
    .map((p) => `http://${p.ip}:${release.port}`);
}
