import type { ServiceContext } from './context.js';

/** `<plugin>:enter`: a program (default a shell) in the service's container. */
export function registerEnterCommand(ctx: ServiceContext): void {
  const { plugin, definition } = ctx;
  ctx.api.commands.register({
    name: `${plugin}:enter`,
    summary: "Run a command in a service's container (default: a shell reading standard input)",
    usage: 'NAME [COMMAND...]',
    description: 'The command is run as given (no shell is added); its output and exit code are passed through.',
    examples: [
      `paas ${plugin}:enter ${definition.exampleName} ls -la ${definition.dataPath(definition.image.defaultVersion)}`,
      `echo 'df -h' | paas ${plugin}:enter ${definition.exampleName}`,
    ],
    arity: [1, Infinity],
    passthroughAfter: 1,
    async handler({ args: [name, ...command], stdout, stderr, stdin, signal, terminal }) {
      const service = ctx.requireService(name);
      return ctx.exec(service, { cmd: command.length ? command : ['/bin/sh'], stdout, stderr, stdin, signal, terminal });
    },
  });
}
