import { createHash } from 'node:crypto';

/** The label that records which build context made a service's built image. Pure. */
export function imageHashLabel(plugin: string): string {
  return `paas.${plugin}.hash`;
}

/** A short hash of a build context's contents, in order: a changed definition rebuilds the image. Pure. */
export function imageHash(files: Record<string, string | { content: string }>): string {
  const hash = createHash('sha256');
  Object.values(files).forEach((file, index) => {
    if (index > 0) hash.update('\0');
    hash.update(typeof file === 'string' ? file : file.content);
  });
  return hash.digest('hex').slice(0, 16);
}
