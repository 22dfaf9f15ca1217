import type { ServiceBackup } from '../../backups/backup-source.js';
import { UserError, oneLine } from '../../core/errors.js';
import { TailBuffer } from '../../core/tail-buffer.js';
import type { ServiceContext } from '../service-kit/context.js';
import { DUMP_FILE, cli, importRdb } from './data-commands.js';

/** redis's half of backups: an RDB snapshot out (SAVE, then dump.rdb), redis:import's load in. */
export function redisBackup(ctx: ServiceContext): ServiceBackup {
  return {
    extension: 'rdb',
    async dump(name, output, signal) {
      const service = ctx.requireService(name);
      await cli(ctx, service, ['SAVE'], /^OK/);
      const errors = new TailBuffer(2048);
      const code = await ctx.exec(service, { cmd: ['cat', DUMP_FILE], user: 'redis', stdout: output, stderr: errors.writer(), signal });
      if (code !== 0) throw new UserError(`reading ${DUMP_FILE} exited with ${code}: ${oneLine(errors.text()) || 'no message'}`);
    },
    async restore(name, input, { signal }) {
      await importRdb(ctx, ctx.requireService(name), input, signal);
      return 0;
    },
  };
}
