#!/usr/bin/env bash
# Installs paas on this server, or upgrades it in place: OS packages, Docker Engine, the build,
# the `paas` command, and the daemon. Safe to run again; all state in PAAS_HOME is kept.
#
#   sudo scripts/install.sh
#
# Settings (PAAS_HOME, PAAS_SSH_PORT, PAAS_API_PORT, PAAS_HTTP_PORT, PAAS_HTTPS_PORT, PAAS_LISTEN,
# PAAS_DOMAIN, DOCKER_HOST, PAAS_API_INSECURE, PAAS_API_TLS, PAAS_LOGIN_TIMEOUT, PAAS_IDLE_TIMEOUT,
# PAAS_MAX_CONNECTIONS_PER_ADDRESS) given in the environment are saved to /etc/default/paas and used by
# the daemon and the `paas` command from then on. PAAS_SYSTEM_SSH=0 skips the system users and
# sshd setup for `git push dokku@HOST:app` on port 22.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SETTINGS_FILE=/etc/default/paas
OS_PACKAGES=(git nginx curl ca-certificates openssl debootstrap busybox-static docker-registry python3 make g++ openssh-client openssh-server gnupg)
MIN_NODE_MAJOR=20
MIN_NODE_MINOR=19

step() { printf -- '-----> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run the installer as root: sudo $0"

systemd_runs() { [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; }

package_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_os_packages() {
  local missing=() package
  for package in "${OS_PACKAGES[@]}"; do package_installed "$package" || missing+=("$package"); done
  # Any Docker Engine will do (docker.io from Debian, or docker-ce); install Debian's if none.
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  if [ ${#missing[@]} -eq 0 ]; then
    step "OS packages present"
    return
  fi
  step "Installing OS packages: ${missing[*]}"
  # Keep distro services (nginx on port 80 above all) from starting: paas runs its own nginx.
  local blocker_added=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    blocker_added=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$blocker_added" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
}

# paas runs docker-registry itself (registry:set ... server local) on the manager address; the
# package's service would listen on every address, unauthenticated, and hold port 5000.
stop_distro_registry() {
  if systemd_runs && { systemctl is-enabled --quiet docker-registry 2>/dev/null || systemctl is-active --quiet docker-registry 2>/dev/null; }; then
    step "Stopping and disabling the distro docker-registry service (paas runs its own when asked)"
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
}

# paas runs its own nginx on PAAS_HTTP_PORT/PAAS_HTTPS_PORT; the distro's nginx service would hold them.
stop_distro_nginx() {
  if systemd_runs; then
    if systemctl is-enabled --quiet nginx 2>/dev/null || systemctl is-active --quiet nginx 2>/dev/null; then
      step "Stopping and disabling the distro nginx service (paas runs its own nginx)"
      systemctl disable --now nginx >/dev/null 2>&1 || true
    fi
  elif [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    step "Stopping the distro nginx (paas runs its own nginx)"
    nginx -s quit 2>/dev/null || kill -QUIT "$(cat /run/nginx.pid)" 2>/dev/null || true
  fi
}

check_node() {
  if ! command -v node >/dev/null 2>&1; then
    step "Installing Node.js from the OS packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  fi
  local version major minor
  version=$(node -p 'process.versions.node')
  major=${version%%.*}
  minor=${version#*.}; minor=${minor%%.*}
  if [ "$major" -lt "$MIN_NODE_MAJOR" ] || { [ "$major" -eq "$MIN_NODE_MAJOR" ] && [ "$minor" -lt "$MIN_NODE_MINOR" ]; }; then
    die "paas needs Node.js ${MIN_NODE_MAJOR}.${MIN_NODE_MINOR} or newer (found $version); install a newer nodejs package, then run this again"
  fi
  step "Node.js $version"
}

# Docker settings paas relies on, merged into daemon.json (every other setting there is kept):
# live-restore, so containers keep serving while dockerd restarts or upgrades, and address pools
# with room for a network per service. PAAS_DOCKER_DAEMON_JSON points the merge at another file.
configure_docker() {
  local file=${PAAS_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json} flags=() rc=0
  if docker info >/dev/null 2>&1 && [ "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; then
    flags+=(--swarm)
  fi
  step "Docker Engine settings ($file)"
  mkdir -p "$(dirname "$file")"
  node "$ROOT/scripts/docker-daemon-config.mjs" "$file" "${flags[@]}" || rc=$?
  case $rc in
    0) return ;;
    10) ;;
    *) die "could not update $file (see the message above)" ;;
  esac
  if [ -n "${PAAS_DOCKER_DAEMON_JSON:-}" ]; then
    step "Not reloading dockerd: PAAS_DOCKER_DAEMON_JSON names a file it may not read"
  elif docker info >/dev/null 2>&1; then
    # live-restore takes effect on a reload (no container stops); the address pools at dockerd's next restart.
    step "Reloading dockerd's settings (running containers are not touched); address pools apply from its next restart"
    if systemd_runs; then systemctl reload docker; else kill -HUP "$(cat /var/run/docker.pid)"; fi
  fi
}

start_docker() {
  if docker info >/dev/null 2>&1; then
    step "Docker Engine running"
    return
  fi
  step "Starting Docker Engine"
  if systemd_runs; then
    systemctl enable --now docker
  else
    nohup dockerd >>/var/log/dockerd.log 2>&1 &
  fi
  local waited=0
  until docker info >/dev/null 2>&1; do
    sleep 1
    waited=$((waited + 1))
    [ "$waited" -lt 60 ] || die "dockerd did not start within 60 s; see /var/log/dockerd.log"
  done
}

build_paas() {
  cd "$ROOT"
  # npm ci compiles better-sqlite3 (about 90 s); skip it when nothing it depends on changed.
  local stamp=node_modules/.paas-install-stamp want
  want="$(sha256sum package-lock.json | cut -d' ' -f1) $(node -p 'process.versions.modules')"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "Installing dependencies (npm ci)"
    npm ci --no-audit --no-fund
    echo "$want" > "$stamp"
  else
    step "Dependencies up to date"
  fi
  step "Building"
  npm run --silent build
}

save_settings() {
  touch "$SETTINGS_FILE"
  chmod 600 "$SETTINGS_FILE"
  local name
  for name in PAAS_HOME PAAS_SSH_PORT PAAS_API_PORT PAAS_HTTP_PORT PAAS_HTTPS_PORT PAAS_LISTEN PAAS_DOMAIN DOCKER_HOST \
    PAAS_API_INSECURE PAAS_API_TLS PAAS_LOGIN_TIMEOUT PAAS_IDLE_TIMEOUT PAAS_MAX_CONNECTIONS_PER_ADDRESS; do
    if [ -n "${!name:-}" ]; then
      sed -i "/^${name}=/d" "$SETTINGS_FILE"
      printf '%s=%q\n' "$name" "${!name}" >> "$SETTINGS_FILE"
    fi
  done
  set -a
  # shellcheck disable=SC1090
  . "$SETTINGS_FILE"
  set +a
  PAAS_HOME=${PAAS_HOME:-/var/lib/paas}
  export PAAS_HOME
}

link_command() {
  # A wrapper rather than a symlink, so `paas` finds a non-default PAAS_HOME by itself.
  cat > /usr/local/bin/paas <<EOF
#!/bin/sh
# Written by $ROOT/scripts/install.sh
if [ -z "\${PAAS_HOME:-}" ] && [ -r $SETTINGS_FILE ]; then set -a; . $SETTINGS_FILE; set +a; fi
exec $(command -v node) $ROOT/bin/paas "\$@"
EOF
  chmod 755 /usr/local/bin/paas
  step "Installed the paas command: /usr/local/bin/paas"
}

# `dokku` runs paas too, so runbooks and habits keep working; a real Dokku keeps its own command.
link_dokku_command() {
  local existing
  existing=$(command -v dokku 2>/dev/null || true)
  if [ -n "$existing" ] && [ "$(readlink -f "$existing")" != /usr/local/bin/paas ]; then
    step "Leaving $existing alone (a Dokku is installed); use paas instead"
    return 0
  fi
  ln -sfn /usr/local/bin/paas /usr/local/bin/dokku
  step "Installed the dokku command: /usr/local/bin/dokku (runs paas)"
}

# Dokku's remote on port 22: `git push dokku@HOST:app`, `ssh dokku@HOST apps:list`. System users
# (paas, and dokku where the name is free) whose authorized_keys the daemon keeps in step with
# ssh-keys, each key forced to hand its request to the daemon; the system sshd serves them.
# PAAS_SYSTEM_SSH=0 leaves this out (the built-in SSH server on PAAS_SSH_PORT still works).
setup_system_ssh() {
  if [ "${PAAS_SYSTEM_SSH:-1}" = 0 ]; then
    step "Leaving ssh on port 22 alone (PAAS_SYSTEM_SSH=0)"
    return 0
  fi
  local users
  users=$(bash "$ROOT/scripts/system-ssh-users.sh")
  [ -n "$users" ] || return 0
  sed -i '/^PAAS_SYSTEM_SSH_USERS=/d' "$SETTINGS_FILE"
  printf 'PAAS_SYSTEM_SSH_USERS=%q\n' "$users" >> "$SETTINGS_FILE"
  export PAAS_SYSTEM_SSH_USERS=$users
  # The forced command runs node (with a forwarder the daemon copies beside its socket) as those users.
  if ! su -s /bin/sh paas -c "test -x '$(command -v node)'"; then
    step "warning: the user paas cannot run $(command -v node), so pushes to port 22 will fail; install Node.js where every user can run it"
  fi
  if systemd_runs; then
    systemctl enable --now ssh >/dev/null 2>&1 || systemctl enable --now sshd >/dev/null 2>&1 || true
  elif ! pgrep -x sshd >/dev/null 2>&1; then
    mkdir -p /run/sshd
    /usr/sbin/sshd || step "warning: the system sshd did not start (see: /usr/sbin/sshd -d); ssh on port 22 is off until it runs"
  fi
  step "ssh on port 22 for the users $users: git push ${users%%,*}@HOST:APP main, ssh ${users%%,*}@HOST apps:list"
}

stop_background_daemon() {
  local pid_file=$PAAS_HOME/paasd.pid pid
  [ -f "$pid_file" ] || return 0
  pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null || return 0
  step "Stopping the running daemon (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  die "the daemon (pid $pid) did not stop; stop it and run this again"
}

# nginx's access and error logs grow with traffic; logrotate (where installed) keeps a week of them.
install_logrotate() {
  [ -d /etc/logrotate.d ] || return 0
  cat > /etc/logrotate.d/paas <<EOF
$PAAS_HOME/nginx/logs/*.log {
  daily
  rotate 7
  missingok
  notifempty
  compress
  delaycompress
  sharedscripts
  postrotate
    [ -s $PAAS_HOME/nginx/nginx.pid ] && kill -USR1 \$(cat $PAAS_HOME/nginx/nginx.pid) || true
  endscript
}
EOF
}

# PAAS_HOME holds every secret of paas (config, database passwords, keys, pushed sources, logs):
# root's alone, whoever made it first, and repaired on upgrade from installs that left it open.
secure_home() {
  install -d -m 0700 "$PAAS_HOME"
  chmod 0700 "$PAAS_HOME"
  chmod -R go-rwx "$PAAS_HOME"
  install -d -m 0700 "$PAAS_HOME/logs"
}

# nginx's workers run as this unprivileged user; the master stays root for ports 80/443 and the
# certificate keys. The daemon also makes it when it is missing.
create_nginx_user() {
  id -u paas-nginx >/dev/null 2>&1 && return 0
  step "Creating the system user paas-nginx (nginx's workers run as it)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin paas-nginx
}

start_daemon() {
  secure_home
  # A small young generation: the daemon idles most of the time, and this keeps it about 5 MB smaller.
  local node_flags="--max-semi-space-size=1"
  if systemd_runs; then
    cat > /etc/systemd/system/paas.service <<EOF
[Unit]
Description=paas daemon
# On boot: after Docker, so the daemon finds the engine and brings every app, service and its
# nginx back on their current releases. Wants, not Requires: a dockerd restart (live-restore)
# leaves the daemon running, and it reconciles once the engine answers again.
After=network-online.target docker.service containerd.service
Wants=network-online.target docker.service

[Service]
EnvironmentFile=-$SETTINGS_FILE
ExecStart=$(command -v node) $node_flags $ROOT/bin/paas daemon
Restart=always
UMask=0077
KillSignal=SIGTERM
# Only the daemon: the nginx it manages keeps serving apps while the daemon restarts or upgrades.
KillMode=process
TimeoutStopSec=60

[Install]
WantedBy=multi-user.target
EOF
    systemctl daemon-reload
    systemctl enable paas >/dev/null 2>&1
    step "Starting the daemon (systemd unit paas.service)"
    systemctl restart paas
  else
    stop_background_daemon
    step "Starting the daemon in the background (log: $PAAS_HOME/logs/daemon.out)"
    (umask 077 && setsid nohup node $node_flags "$ROOT/bin/paas" daemon </dev/null >>"$PAAS_HOME/logs/daemon.out" 2>&1 &)
  fi
  local waited=0
  until /usr/local/bin/paas version >/dev/null 2>&1; do
    sleep 0.5
    waited=$((waited + 1))
    if [ "$waited" -ge 60 ]; then
      tail -n 20 "$PAAS_HOME/logs/daemon.out" 2>/dev/null >&2 || true
      die "the daemon did not answer within 30 s; see $PAAS_HOME/logs/"
    fi
  done
}

prepare_images() {
  if [ "${PAAS_SKIP_IMAGES:-}" = 1 ]; then
    step "Skipping image preparation (PAAS_SKIP_IMAGES=1); the first build will prepare them"
    return
  fi
  step "Preparing images (the buildpack stack, postgres and redis are built from Debian packages the first time: a few minutes)"
  /usr/local/bin/paas plugin:install
}

install_os_packages
stop_distro_nginx
stop_distro_registry
check_node
configure_docker
start_docker
build_paas
save_settings
link_command
link_dokku_command
install_logrotate
create_nginx_user
setup_system_ssh
start_daemon
/usr/local/bin/paas version
prepare_images
step "paas is ready. Next: paas apps:create myapp   (paas help lists every command)"
