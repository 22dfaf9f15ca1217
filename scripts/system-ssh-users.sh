#!/usr/bin/env bash
# Creates the system users `paas` and, where the name is free, `dokku`, for
# `git push dokku@HOST:app` and `ssh dokku@HOST apps:list` through the system sshd on port 22.
# paas writes their authorized_keys (one forced-command line per ssh key); they have no
# password and no other way in. Prints the users paas may manage, comma-separated
# (the value of PAAS_SYSTEM_SSH_USERS). Safe to run again.
set -euo pipefail

COMMENT="paas git push and commands"

ours() {
  [ "$(getent passwd "$1" | cut -d: -f5)" = "$COMMENT" ]
}

create() {
  local name=$1 group_args=$2
  # shellcheck disable=SC2086
  useradd --system $group_args --create-home --home-dir "/home/$name" --shell /bin/sh --comment "$COMMENT" "$name"
  # '*': no password, but not a locked account (sshd refuses locked accounts without PAM).
  usermod -p '*' "$name"
  chmod 0755 "/home/$name"
}

managed=()
if id -u paas >/dev/null 2>&1; then
  ours paas || { echo "the user paas exists and is not paas's own; leaving ssh on port 22 off" >&2; exit 0; }
else
  create paas --user-group
fi
managed+=(paas)
if ! id -u dokku >/dev/null 2>&1; then
  create dokku "--gid paas"
fi
if ours dokku; then managed+=(dokku); fi

(IFS=,; echo "${managed[*]}")
