import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { entryPath } from '../build-context.js';

export interface SkeletonInputs {
  /** The driver script (buildpacks/lib/driver.sh). */
  driver: string;
  /** Config vars: one file each in ENV_DIR. */
  env: Record<string, string>;
  /** `NN_name` → the URL the user gave, in order. */
  buildpacks: ReadonlyArray<{ dir: string; url: string }>;
}

/**
 * What goes to `/tmp` of the build container before anything else: the directories the later
 * archives unpack into (putArchive needs them to exist), ENV_DIR with one file per config var,
 * and the driver. The build container is never committed, so the config does not reach the image.
 */
export function skeletonTar(inputs: SkeletonInputs): Readable {
  const pack = tar.pack();
  const dir = (name: string, mode = 0o755) => pack.entry({ name: `${name}/`, type: 'directory', mode, mtime: new Date(0) });
  const file = (name: string, content: string, mode = 0o644) => pack.entry({ name, mode, mtime: new Date(0) }, content);
  dir('build');
  dir('env', 0o700);
  for (const [key, value] of Object.entries(inputs.env)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) file(`env/${key}`, value, 0o600);
  }
  dir('buildpacks');
  for (const buildpack of inputs.buildpacks) dir(`buildpacks/${buildpack.dir}`);
  dir('paas');
  dir('paas/out');
  file('paas/driver.sh', inputs.driver, 0o755);
  file('paas/buildpacks.tsv', buildpackTable(inputs.buildpacks));
  pack.finalize();
  return pack as unknown as Readable;
}

/** `NN_name<TAB>url` lines for the driver's messages. Pure. */
export function buildpackTable(buildpacks: ReadonlyArray<{ dir: string; url: string }>): string {
  return buildpacks.map(({ dir, url }) => `${dir}\t${url.replace(/[\t\r\n]/g, ' ')}\n`).join('');
}

/** Whether the pushed tar has anything under `subdir` (the app's build-dir). */
export async function tarHasDirectory(tarPath: string, subdir: string): Promise<boolean> {
  const source = createReadStream(tarPath);
  const extract = tar.extract();
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const path = entryPath(entry.header.name);
      entry.resume();
      if (path === subdir || path.startsWith(`${subdir}/`)) return true;
    }
    return false;
  } finally {
    source.destroy();
    extract.destroy();
  }
}
