import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeLine } from '../../core/output.js';
import type { ServiceContext } from './context.js';
import type { ServiceBackup } from '../../backups/backup-source.js';

/**
 * A service plugin's side of backup:export --with-data and backup:import: a dump of each running
 * service into dir/PLUGIN/NAME.dump; on import each service made again (volume and container),
 * its dump loaded when the backup has one.
 */
export function registerBackupTriggers(ctx: ServiceContext, data: ServiceBackup | undefined): void {
  const { events } = ctx.api;
  events.on('backup-export-data', async ({ dir, output, signal }) => {
    if (!data) return;
    const folder = join(dir, ctx.plugin);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    for (const service of ctx.store.list()) {
      if ((await ctx.containers.state(service.name)).status !== 'running') {
        writeLine(output, ` !     ${ctx.plugin} service ${service.name} is not running: its data is not in the backup`);
        continue;
      }
      writeLine(output, `-----> Dumping ${ctx.plugin} service ${service.name}`);
      const file = createWriteStream(join(folder, `${service.name}.dump`), { mode: 0o600 });
      try {
        await data.dump(service.name, file, signal);
      } finally {
        await new Promise((resolve) => file.end(resolve));
      }
    }
  });

  events.on('backup-import-data', async ({ dir, output, signal }) => {
    for (const service of ctx.store.list()) {
      const { containers } = ctx;
      if ((await containers.state(service.name)).status === 'missing' && !(await containers.volumeExists(service.name))) {
        writeLine(output, `-----> Creating ${ctx.plugin} service ${service.name}`);
        if (
          !(await ctx.docker
            .getImage(service.image)
            .inspect()
            .then(
              () => true,
              () => false,
            ))
        ) {
          await ctx.prepareImage({}, (line) => writeLine(output, `       ${line}`));
        }
        await containers.createVolume(service.name);
        await containers.createContainer(service);
      } else if (!service.stopped) {
        await containers.ensureRunning(service);
      }
      const dump = join(dir, ctx.plugin, `${service.name}.dump`);
      if (!data || !existsSync(dump)) continue;
      await containers.waitReady(service);
      writeLine(output, `-----> Restoring the data of ${ctx.plugin} service ${service.name}`);
      const code = await data.restore(service.name, createReadStream(dump), { stdout: output, stderr: output, signal });
      if (code !== 0) throw new Error(`loading the dump into ${ctx.plugin} service ${service.name} exited with ${code}`);
    }
  });
}
