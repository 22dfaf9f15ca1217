#!/usr/bin/env bash
# The paas build driver: runs in the build container, as root only to prepare the directories,
# then as the unprivileged app user for Heroku's classic buildpack API:
#   bin/detect BUILD_DIR, bin/compile BUILD_DIR CACHE_DIR ENV_DIR, bin/release BUILD_DIR
# Input:  /tmp/build (the app), /tmp/cache (a volume kept per app), /tmp/env (one file per config
#         var), /tmp/buildpacks/NN_name/ (in order), /tmp/paas/buildpacks.tsv ("NN_name<TAB>url").
#         PAAS_BUILDPACKS_MODE=detect (first that detects runs) or run (each runs, in order).
# Output: /tmp/paas/out/release.yml (the last bin/release), /tmp/paas/out/failure (one line).
# Exit:   0 built, 10 no buildpack detected the app, 11 a chosen buildpack does not apply, 1 failed.
set -uo pipefail

build_dir=/tmp/build
cache_dir=/tmp/cache
env_dir=/tmp/env
buildpacks_dir=/tmp/buildpacks
out=/tmp/paas/out
app_uid=${PAAS_APP_UID:-1000}

step() { echo "-----> $*"; }
fail() {
  local code=$1
  shift
  printf '%s\n' "$*" > "$out/failure"
  echo " !     $*"
  exit "$code"
}

prepare() {
  mkdir -p "$out" "$cache_dir" "$env_dir"
  # At run time the app lives at /app (HOME=/app); during the build /app is the build dir, so
  # what a buildpack writes with /app paths (a virtualenv, shebangs) is right at run time too.
  if [ -d /app ] && [ ! -L /app ]; then rmdir /app 2>/dev/null || mv /app /app.stack; fi
  ln -sfn "$build_dir" /app
  chown -R "$app_uid:$app_uid" "$build_dir" "$env_dir" "$out" "$buildpacks_dir"
  # The cache can be large: only hand it over when it is not the app user's yet.
  [ "$(stat -c %u "$cache_dir")" = "$app_uid" ] || chown -R "$app_uid:$app_uid" "$cache_dir"
  chmod -R u+rwX,go+rX "$buildpacks_dir"
  chmod a+x "$buildpacks_dir"/*/bin/* 2>/dev/null || true
}

declare -A urls=()
read_urls() {
  local dir url
  while IFS=$'\t' read -r dir url; do urls[$dir]=$url; done < /tmp/paas/buildpacks.tsv
}

detect() { # DIR -> prints the framework name; status of bin/detect
  local framework status
  framework=$(cd "$build_dir" && "$buildpacks_dir/$1/bin/detect" "$build_dir")
  status=$?
  printf '%s' "${framework%%$'\n'*}"
  return $status
}

select_buildpacks() {
  local bp framework
  local path
  all=()
  for path in "$buildpacks_dir"/*; do all+=("${path##*/}"); done
  selected=()
  if [ "${PAAS_BUILDPACKS_MODE:-detect}" = detect ]; then
    for bp in "${all[@]}"; do
      if framework=$(detect "$bp"); then
        step "${framework:-${urls[$bp]}} app detected"
        selected=("$bp")
        return
      fi
    done
    fail 10 "no buildpack detected this app"
  fi
  for bp in "${all[@]}"; do
    if [ -e "$buildpacks_dir/$bp/bin/detect" ]; then
      framework=$(detect "$bp") || fail 11 "buildpack ${urls[$bp]} does not apply to this app (its bin/detect said no)"
      step "${framework:-${urls[$bp]}} app detected (buildpack ${urls[$bp]})"
    else
      step "Using buildpack ${urls[$bp]}"
    fi
    selected+=("$bp")
  done
}

compile() {
  local bp status
  for bp in "${selected[@]}"; do
    (cd "$build_dir" && "$buildpacks_dir/$bp/bin/compile" "$build_dir" "$cache_dir" "$env_dir")
    status=$?
    [ $status -eq 0 ] || fail 1 "buildpack ${urls[$bp]} failed: its bin/compile exited with code $status"
    # Multi-buildpack convention: a buildpack's `export` file sets env for the ones after it.
    if [ -f "$buildpacks_dir/$bp/export" ]; then
      # shellcheck disable=SC1090
      . "$buildpacks_dir/$bp/export"
    fi
  done
}

release() {
  local last=${selected[${#selected[@]}-1]} status
  : > "$out/release.yml"
  [ -e "$buildpacks_dir/$last/bin/release" ] || return 0
  (cd "$build_dir" && "$buildpacks_dir/$last/bin/release" "$build_dir") > "$out/release.yml"
  status=$?
  [ $status -eq 0 ] || fail 1 "buildpack ${urls[$last]} failed: its bin/release exited with code $status"
}

if [ "${1:-}" != --as-app ]; then
  prepare
  if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    exec setpriv --reuid="$app_uid" --regid="$app_uid" --clear-groups -- bash "$0" --as-app
  fi
  echo "       warning: setpriv is missing from the stack; buildpacks run as root"
fi
export HOME=/app APP_DIR=/app BUILD_DIR=$build_dir CACHE_DIR=$cache_dir ENV_DIR=$env_dir
export CURL_CONNECT_TIMEOUT=${CURL_CONNECT_TIMEOUT:-30} CURL_TIMEOUT=${CURL_TIMEOUT:-180}
read_urls
select_buildpacks
compile
release
