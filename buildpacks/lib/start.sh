#!/usr/bin/env bash
# The ENTRYPOINT of every buildpack-built image: Heroku's dyno start-up. Sources the buildpacks'
# profile scripts, then runs the command through bash, so a Procfile's quotes, &&, pipes and
# redirections work as on Heroku.
#   /start                  the `web` process type
#   /start TYPE             a process type (Procfile, else the buildpack's default_process_types)
#   /start /bin/sh -c CMD   CMD, through bash (how paas starts Procfile commands)
#   /start 'CMD LINE'       a command line, through bash
#   /start PROGRAM ARGS...  that program with those arguments
cd /app || exit 1
export HOME=/app

# shellcheck disable=SC1091
[ -r /etc/paas/release-defaults.sh ] && . /etc/paas/release-defaults.sh
for profile in /app/.profile.d/*.sh; do
  # shellcheck disable=SC1090
  [ -r "$profile" ] && . "$profile"
done
unset profile
# shellcheck disable=SC1091
[ -r /app/.profile ] && . /app/.profile

process_command() { # TYPE -> its command
  local file line
  for file in /app/Procfile /etc/paas/default-process-types; do
    [ -r "$file" ] || continue
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%$'\r'}
      if [[ $line =~ ^[[:space:]]*([A-Za-z0-9][A-Za-z0-9_-]*)[[:space:]]*:[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] &&
        [ "${BASH_REMATCH[1]}" = "$1" ]; then
        printf '%s' "${BASH_REMATCH[2]}"
        return 0
      fi
    done < "$file"
  done
  return 1
}

[ $# -gt 0 ] || set -- web
if [ $# -eq 3 ] && [ "$2" = -c ] && case $1 in /bin/sh | sh | /bin/bash | bash) true ;; *) false ;; esac; then
  exec bash -c "$3"
fi
if [ $# -eq 1 ]; then
  if [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] && command=$(process_command "$1"); then
    exec bash -c "$command"
  fi
  if [ "$1" = web ]; then
    echo "no web process type: add a Procfile with a line like 'web: npm start'" >&2
    exit 1
  fi
  exec bash -c "$1"
fi
exec "$@"
