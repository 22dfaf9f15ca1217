/** Image references with tags (`postgres:15`, `registry:5000/team/redis:7-alpine`). Pure. */

/** The major version in an image reference's tag (`redis:6.2` gives 6); undefined for `latest` and the like. */
export function imageMajor(image: string): number | undefined {
  const major = /:(\d+)(?:[.-][^/]*)?$/.exec(image);
  return major ? Number(major[1]) : undefined;
}

/** `registry:5000/team/redis:7` into its repository and tag (`latest` when it has none). */
export function splitImage(image: string): { repository: string; tag: string } {
  const colon = image.lastIndexOf(':');
  if (colon === -1 || image.indexOf('/', colon) !== -1) return { repository: image, tag: 'latest' };
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}
