import { createServer } from 'node:net';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import { proxyPortOf, storedPortMap } from '../../proxy/app-state.js';
import { reservedPorts } from '../../proxy/port-map.js';
import type { ServiceContext } from './context.js';
import { ALL_INTERFACES, describeExposed, parseExposeArgs } from './exposed-ports.js';
import type { ExposedPort } from './store.js';

/** `<plugin>:expose` and `:unexpose`: the service's port published on the host, or not. */
export function registerExposeCommands(ctx: ServiceContext): void {
  const { commands } = ctx.api;
  const { plugin, definition } = ctx;
  const example = definition.exampleName;
  const ports = [definition.port];

  commands.register({
    name: `${plugin}:expose`,
    summary: `Publish a ${plugin} service's port on the host (a free port when none is given)`,
    usage: 'NAME [[IP:]PORT]',
    description:
      `Anyone who reaches the host port can try the service's password: without IP the port is open on every\n` +
      'interface (0.0.0.0), as in Dokku; give 127.0.0.1:PORT to keep it on this server. Ports of nginx, paas and the\n' +
      `apps are refused. The container is made again on the same volume (linked apps lose their connections for a\n` +
      `moment); the port stays published across restarts until ${plugin}:unexpose. ${plugin}:info --exposed-ports shows it.`,
    examples: [`paas ${plugin}:expose ${example}`, `paas ${plugin}:expose ${example} 127.0.0.1:1${definition.port}`],
    arity: [1, 1 + ports.length],
    async handler({ args: [name, ...wanted], stdout, stderr }) {
      const service = ctx.requireService(name);
      if (service.exposed.length) {
        throw new UserError(
          `${plugin} service ${service.name} is already exposed on ${describeExposed(service.exposed, ports)}; ` +
            `unexpose it first: paas ${plugin}:unexpose ${service.name}`,
        );
      }
      const parsed = parseExposeArgs(wanted, ports);
      const owners = await portOwners(ctx);
      const exposed: ExposedPort[] = [];
      for (const { hostIp, hostPort } of parsed) {
        if (hostPort === undefined) {
          exposed.push({ hostIp, hostPort: await freePort(hostIp, owners) });
          continue;
        }
        const owner = owners.get(hostPort);
        if (owner) throw new UserError(`host port ${hostPort} is used by ${owner}; pick another port`);
        if (!(await canBind(hostIp, hostPort)))
          throw new UserError(`cannot listen on ${hostIp}:${hostPort} here (in use, or not an address of this server); pick another`);
        exposed.push({ hostIp, hostPort });
      }
      writeLine(stdout, `-----> Exposing ${plugin} service ${service.name} on ${describeExposed(exposed, ports)}`);
      await apply(ctx, service.name, exposed, service.exposed);
      if (exposed.some((p) => p.hostIp === ALL_INTERFACES)) {
        writeLine(
          stderr,
          `warning: ${plugin} service ${service.name} now answers on every network interface of this server, protected by its ` +
            `password only; firewall the port, or expose it on 127.0.0.1 instead (paas ${plugin}:unexpose ${service.name}, then ` +
            `paas ${plugin}:expose ${service.name} 127.0.0.1:PORT)`,
        );
      }
      writeLine(stdout, `=====> ${service.name} answers on ${describeExposed(exposed, ports)}`);
    },
  });

  commands.register({
    name: `${plugin}:unexpose`,
    summary: `Stop publishing a ${plugin} service's port on the host`,
    usage: 'NAME',
    description: 'The container is made again on the same volume, without published ports.',
    examples: [`paas ${plugin}:unexpose ${example}`],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const service = ctx.requireService(name);
      if (!service.exposed.length) throw new UserError(`${plugin} service ${service.name} is not exposed`);
      writeLine(stdout, `-----> Unexposing ${plugin} service ${service.name} (${describeExposed(service.exposed, ports)})`);
      await apply(ctx, service.name, [], service.exposed);
      writeLine(stdout, `=====> ${service.name} is reachable from its linked apps only`);
    },
  });
}

/** Stores the ports and makes the container again; on failure the old ports and container come back. */
async function apply(ctx: ServiceContext, name: string, exposed: ExposedPort[], before: ExposedPort[]): Promise<void> {
  ctx.store.setExposed(name, exposed);
  try {
    if ((await ctx.containers.state(name)).status !== 'missing') await ctx.containers.recreate(ctx.requireService(name));
  } catch (error) {
    ctx.store.setExposed(name, before);
    await ctx.containers.recreate(ctx.requireService(name)).catch(() => undefined);
    throw error;
  }
}

/**
 * The host ports paas and its apps use, with who uses them: nginx's and paas's own ports, every
 * app's port mappings and proxy ports, and whatever Docker publishes (apps with the proxy off,
 * other services).
 */
async function portOwners(ctx: ServiceContext): Promise<Map<number, string>> {
  const { settings, store } = ctx.api;
  const owners = new Map<number, string>();
  for (const reserved of reservedPorts(settings)) owners.set(reserved.port, reserved.what);
  for (const app of store.apps.list()) {
    const mapped = (storedPortMap(store.properties, app.id) ?? []).map((m) => m.host);
    const proxy = [proxyPortOf(store.properties, app.id, 'proxyPort'), proxyPortOf(store.properties, app.id, 'proxySslPort')];
    for (const port of [...mapped, ...proxy]) if (port !== undefined && !owners.has(port)) owners.set(port, `app ${app.name}`);
  }
  for (const container of await ctx.docker.listContainers({ all: true })) {
    for (const port of container.Ports ?? []) {
      if (port.PublicPort && !owners.has(port.PublicPort))
        owners.set(port.PublicPort, `container ${container.Names?.[0]?.replace(/^\//, '') ?? container.Id.slice(0, 12)}`);
    }
  }
  return owners;
}

/** A port nothing listens on now and nobody above has: the kernel's pick, checked. */
async function freePort(hostIp: string, owners: ReadonlyMap<number, string>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce(hostIp, 0);
    if (port !== undefined && !owners.has(port)) return port;
  }
  throw new UserError(`no free host port found on ${hostIp}; give one`);
}

async function canBind(hostIp: string, port: number): Promise<boolean> {
  return (await listenOnce(hostIp, port)) !== undefined;
}

/** Listens on hostIp:port and closes at once: the port it got, or undefined when it could not. */
function listenOnce(hostIp: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: hostIp, port, exclusive: true }, () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(got));
    });
  });
}
