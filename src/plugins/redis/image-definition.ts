/**
 * The redis image paas builds when the official one cannot be pulled: the stack's run image
 * (Debian bookworm) plus Debian's redis-server, with an entrypoint that keeps the official image's
 * contract (data in /data, owned by the redis user, the command given as arguments). Pure: the
 * text here decides the content hash, and a changed definition rebuilds the image.
 */

export const OFFICIAL_IMAGE = 'redis';
/** The major version Debian bookworm packages (7.0), so the only one paas can make offline. */
export const BUILDABLE_VERSION = '7';
export const BUILT_IMAGE = `paas/redis:${BUILDABLE_VERSION}`;
export const DATA_DIR = '/data';

export const ENTRYPOINT = `#!/bin/sh
# paas redis entrypoint: the official image's contract (data in /data, runs as redis).
set -eu
if [ "$(id -u)" = 0 ]; then
  mkdir -p ${DATA_DIR}
  chown redis:redis ${DATA_DIR}
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
exec "$@"
`;

export function redisDockerfile(runImage: string): string {
  return `FROM ${runImage}
ENV DEBIAN_FRONTEND=noninteractive
RUN printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \\
 && apt-get update -qq \\
 && apt-get install -y -q --no-install-recommends redis-server \\
 && rm -f /usr/sbin/policy-rc.d \\
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \\
 && mkdir -p ${DATA_DIR} && chown redis:redis ${DATA_DIR}
COPY paas-redis-entrypoint /usr/local/bin/paas-redis-entrypoint
VOLUME ${DATA_DIR}
WORKDIR ${DATA_DIR}
EXPOSE 6379
ENTRYPOINT ["paas-redis-entrypoint"]
CMD ["redis-server"]
`;
}

/** The build context: the Dockerfile and the entrypoint. */
export function imageFiles(runImage: string): { Dockerfile: string; 'paas-redis-entrypoint': { content: string; mode: number } } {
  return { Dockerfile: redisDockerfile(runImage), 'paas-redis-entrypoint': { content: ENTRYPOINT, mode: 0o755 } };
}
