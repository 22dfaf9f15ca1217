import { writeLine } from '../../core/output.js';
import { networkExists } from '../../deploy/networks.js';
import { dockerNetworkName } from '../../network/network-part.js';
import { UserError } from '../../core/errors.js';
import type { ServiceContext } from './context.js';
import { SERVICE_PROPERTIES, assertPropertyKey, parsePropertyValue } from './properties.js';

/** `<plugin>:set NAME KEY [VALUE]`: Dokku's service properties that paas implements. */
export function registerSetCommand(ctx: ServiceContext): void {
  const { plugin, definition } = ctx;
  const example = definition.exampleName;
  ctx.api.commands.register({
    name: `${plugin}:set`,
    summary: `Set or clear a property of a ${plugin} service (no VALUE clears it)`,
    usage: 'NAME KEY [VALUE]',
    description:
      `Keys:\n${Object.entries(SERVICE_PROPERTIES)
        .map(([key, text]) => `  ${key}: ${text}`)
        .join('\n')}\n` +
      'The networks are made with network:create; the container answers on them to its hostname\n' +
      `(paas-${plugin}-NAME). A running container joins or leaves them at once.`,
    examples: [
      `paas ${plugin}:set ${example} post-create-network backend`,
      `paas ${plugin}:set ${example} post-create-network backend,reports`,
      `paas ${plugin}:set ${example} post-create-network`,
    ],
    arity: [2, 3],
    async handler({ args: [name, rawKey, value], stdout }) {
      const service = ctx.requireService(name);
      const key = assertPropertyKey(rawKey, plugin);
      const parsed = parsePropertyValue(key, value ?? '');
      for (const network of parsed.split(' ').filter(Boolean)) {
        if (!(await networkExists(ctx.docker, dockerNetworkName(ctx.api.instance, network)))) {
          throw new UserError(`network ${network} does not exist; create it with: paas network:create ${network}`);
        }
      }
      const { [key]: _old, ...rest } = service.properties;
      const properties = parsed ? { ...rest, [key]: parsed } : rest;
      ctx.store.setProperties(service.name, properties);
      if ((await ctx.containers.state(service.name)).status !== 'missing') {
        try {
          await ctx.containers.syncNetworks({ name: service.name, properties });
        } catch (error) {
          ctx.store.setProperties(service.name, service.properties);
          await ctx.containers.syncNetworks(service).catch(() => undefined);
          throw error;
        }
      }
      writeLine(stdout, parsed ? `-----> ${service.name}: ${key} set to ${parsed}` : `-----> ${service.name}: ${key} cleared`);
    },
  });
}
