import { PassThrough } from 'node:stream';
import { UserError } from '../../core/errors.js';
import { writeLine } from '../../core/output.js';
import type { ServiceContext } from './context.js';
import { createFlags, createService } from './lifecycle-commands.js';
import type { ServiceRow } from './store.js';

/** `<plugin>:clone SRC NEW [create's flags]`: a new service holding a copy of SRC's data. */
export function registerCloneCommand(ctx: ServiceContext): void {
  const { plugin, definition } = ctx;
  const example = definition.exampleName;
  ctx.api.commands.register({
    name: `${plugin}:clone`,
    summary: `Create a ${plugin} service with a copy of another one's data`,
    usage: 'SRC NEW [--image IMG] [--image-version V] [--password P] [--memory MB]',
    description:
      `Makes NEW as ${plugin}:create does (same flags; its own password), then streams a dump of SRC into it.\n` +
      'SRC must be running and keeps serving meanwhile; writes made to it during the copy may be missing from NEW.\n' +
      'When the copy fails, NEW is removed again. Links, exposed ports and backup settings are not copied.',
    examples: [`paas ${plugin}:clone ${example} ${example}-copy`],
    flags: createFlags(ctx),
    secrets: { flags: ['password'] },
    arity: [2, 2],
    async handler({ args: [sourceName, newName], flags, stdout, stderr, signal }) {
      const source = ctx.requireService(sourceName);
      const data = ctx.data;
      if (!data) throw new UserError(`${plugin} services cannot be cloned: the plugin has no dump and restore`);
      await ctx.runningContainer(source);
      const service = await createService(ctx, newName, flags, stdout, async (target: ServiceRow) => {
        writeLine(stdout, `-----> Copying the data of ${source.name} into ${target.name}`);
        const pipe = new PassThrough();
        // The restore reads until the dump ends; a failed dump ends it early and is the error told.
        const dumped = data.dump(source.name, pipe, signal).finally(() => pipe.end());
        const [dump, restore] = await Promise.allSettled([dumped, data.restore(target.name, pipe, { stdout: stderr, stderr, signal })]);
        if (dump.status === 'rejected') throw dump.reason;
        if (restore.status === 'rejected') throw restore.reason;
        if (restore.value !== 0)
          throw new UserError(`loading the copy into ${target.name} exited with ${restore.value}; see its messages above`);
      });
      writeLine(stdout, `=====> ${definition.title} service ${service.name} created with the data of ${source.name}`);
      writeLine(stdout, `       DSN: ${ctx.url(service)}`);
    },
  });
}
