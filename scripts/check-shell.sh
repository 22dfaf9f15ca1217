#!/usr/bin/env bash
# Runs ShellCheck over every shell script paas ships or runs: buildpacks, install and CI scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null; then
  echo "shellcheck is not installed: apt-get install -y shellcheck (it is in .ci/test-packages)" >&2
  exit 1
fi
mapfile -t scripts < <(grep -rlE --exclude-dir=node_modules '^#!/(usr/)?bin/(env )?(ba)?sh' buildpacks scripts bin .ci | sort)
shellcheck --external-sources "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
