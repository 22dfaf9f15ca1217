/**
 * The postgres image paas builds when the official one cannot be pulled: the stack's run image
 * (Debian bookworm) plus Debian's postgresql-15, with an entrypoint that keeps the official
 * image's contract (POSTGRES_PASSWORD, POSTGRES_DB, data in /var/lib/postgresql/data). Pure: the
 * text here decides the content hash, and a changed definition rebuilds the image.
 */

export const OFFICIAL_IMAGE = 'postgres';
/** The version Debian bookworm packages, so the only one paas can make offline. */
export const BUILDABLE_VERSION = '15';
export const BUILT_IMAGE = `paas/postgres:${BUILDABLE_VERSION}`;

export const ENTRYPOINT = `#!/bin/sh
# paas postgres entrypoint: the official image's contract (POSTGRES_PASSWORD, POSTGRES_DB, PGDATA).
set -eu
: "\${PGDATA:=/var/lib/postgresql/data}"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /run/postgresql
  chown postgres:postgres "$PGDATA" /run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "\${POSTGRES_PASSWORD:-}" ]; then
    echo "error: POSTGRES_PASSWORD is not set; the database needs a password" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  db="\${POSTGRES_DB:-postgres}"
  if [ "$db" != postgres ]; then
    case "$db" in
      *[!a-z0-9_]*) echo "error: POSTGRES_DB must be lowercase letters, digits and underscores" >&2; exit 1 ;;
    esac
    echo "CREATE DATABASE $db" | postgres --single -D "$PGDATA" postgres > /dev/null
  fi
  echo "database initialized"
fi
exec postgres -D "$PGDATA" "$@"
`;

export function postgresDockerfile(runImage: string): string {
  return `FROM ${runImage}
ENV DEBIAN_FRONTEND=noninteractive
RUN (groupadd -r -g 999 postgres || groupadd -r postgres) \\
 && (useradd -r -g postgres -u 999 --home-dir /var/lib/postgresql --shell /bin/bash postgres \\
     || useradd -r -g postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres) \\
 && mkdir -p /etc/postgresql-common/createcluster.d \\
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/paas.conf \\
 && printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \\
 && apt-get update -qq \\
 && apt-get install -y -q --no-install-recommends postgresql-${BUILDABLE_VERSION} \\
 && rm -f /usr/sbin/policy-rc.d \\
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \\
 && rm -rf /etc/postgresql/${BUILDABLE_VERSION} /var/lib/postgresql/${BUILDABLE_VERSION} \\
 && mkdir -p /var/lib/postgresql/data /run/postgresql \\
 && chown -R postgres:postgres /var/lib/postgresql /run/postgresql \\
 && chmod 700 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/${BUILDABLE_VERSION}/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY paas-postgres-entrypoint /usr/local/bin/paas-postgres-entrypoint
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["paas-postgres-entrypoint"]
CMD []
`;
}

/** The build context: the Dockerfile and the entrypoint. */
export function imageFiles(runImage: string): { Dockerfile: string; 'paas-postgres-entrypoint': { content: string; mode: number } } {
  return { Dockerfile: postgresDockerfile(runImage), 'paas-postgres-entrypoint': { content: ENTRYPOINT, mode: 0o755 } };
}
