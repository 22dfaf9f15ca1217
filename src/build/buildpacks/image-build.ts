import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { BuildOutput, BuildRefused, classicBuild } from '../dockerfile-builder.js';

export interface ContextBuildOptions {
  tag: string;
  labels?: Record<string, string>;
  onLine: (line: string) => void;
  signal?: AbortSignal;
}

/** A build context made of small in-memory files (a generated Dockerfile and its few inputs). */
export function memoryContext(files: Record<string, string | { content: string; mode: number }>): Readable {
  const pack = tar.pack();
  for (const [name, file] of Object.entries(files)) {
    const { content, mode } = typeof file === 'string' ? { content: file, mode: 0o644 } : file;
    pack.entry({ name, mode, mtime: new Date(0) }, content);
  }
  pack.finalize();
  return pack as unknown as Readable;
}

/**
 * `docker build` of a context stream with the classic builder, its output line by line.
 * Resolves to the image id; a failed step rejects with the Engine's reason.
 */
export async function buildFromContext(docker: Docker, context: Readable, options: ContextBuildOptions): Promise<string> {
  let result;
  try {
    result = await classicBuild(docker, context, {
      buildOptions: { t: options.tag, labels: options.labels },
      onLine: options.onLine,
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof BuildRefused) throw new Error(`docker build of ${options.tag} was refused: ${error.message}`);
    throw error;
  }
  if (result.error !== undefined) {
    const step = result.step ? ` at step ${result.step.index}/${result.step.total}` : '';
    throw new Error(`building ${options.tag} failed${step}: ${result.error}`);
  }
  if (result.imageId === undefined) throw new Error(`building ${options.tag} produced no image`);
  return (await docker.getImage(result.imageId).inspect()).Id;
}

/** `docker import` of a root file system tar as `repo:tag`, with Dockerfile `changes`. */
export async function importRootfs(
  docker: Docker,
  rootfs: Readable,
  options: { repo: string; tag: string; changes: readonly string[]; onLine: (line: string) => void },
): Promise<void> {
  const output = (await docker.importImage(rootfs, {
    repo: options.repo,
    tag: options.tag,
    changes: [...options.changes],
  })) as Readable;
  const progress = new BuildOutput(options.onLine);
  for await (const chunk of output) progress.write(chunk as Buffer);
  const result = progress.end();
  if (result.error !== undefined) throw new Error(`docker import of ${options.repo}:${options.tag} failed: ${result.error}`);
}
