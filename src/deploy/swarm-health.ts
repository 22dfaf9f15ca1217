import type Docker from 'dockerode';
import type { PropertiesTable } from '../store/properties.js';
import type { ReleaseRow } from '../store/releases.js';
import type { HealthCheck } from './app-json.js';
import { withCheckSettings } from './app-checks.js';
import { checkList, inCheckList } from './deploy-settings.js';
import { DEFAULT_WAIT, defaultWaitMs } from './health-checks.js';
import { LABELS } from './naming.js';
import type { TaskInfo } from './swarm-objects.js';
import { appJsonOf } from './app-json.js';

/**
 * How the app.json checks of a process type gate a Swarm rolling update. Swarm reports a task
 * running only once its container's health check passed, and with `start-first` it stops an old
 * task only after the new one runs: so the checks become the tasks' Docker health check, run by
 * the engine of the node the task is on (paas on the manager may not reach a task on another
 * node, and cannot exec there). A task whose check fails for good is unhealthy, the update fails,
 * and Swarm rolls the service back while the old tasks keep serving.
 */
export interface SwarmHealth {
  /** ContainerSpec.Healthcheck; undefined: the image's own HEALTHCHECK, if any, applies. */
  healthcheck: SwarmHealthcheck | undefined;
  /** UpdateConfig.Order: stop-first when checks are disabled (as docker-local does). */
  order: 'start-first' | 'stop-first';
  /** UpdateConfig.Monitor in seconds: a new task that fails within it fails the update. */
  monitorSeconds: number;
  /** The checks that gate the update, by name (for the deploy output and errors). */
  gating: string[];
  /** What is not applied on the swarm, one line each, for the deploy output. */
  notes: string[];
}

export interface SwarmHealthcheck {
  Test: string[];
  /** Nanoseconds, as the Docker API wants them. */
  Interval: number;
  Timeout: number;
  StartPeriod: number;
  Retries: number;
}

export interface SwarmHealthInput {
  type: string;
  /** The type's app.json checks, with checks:set filled in. */
  checks: readonly HealthCheck[];
  /** The port the app listens on in its container. */
  port: number;
  disabled: boolean;
  skipped: boolean;
  /** checks:set default-wait, when there are no app.json checks. */
  defaultWaitMs: number | undefined;
}

/** Swarm's own default for UpdateConfig.Monitor. */
const DEFAULT_MONITOR_SECONDS = 5;
const NS = 1e9;

/**
 * Runs the checks given as arguments inside the task's container, each as `COUNT KIND ARG...`
 * (COUNT: the words after it that belong to this check): `http URL CONTENT TIMEOUT HEADER...`,
 * `listening PORT TIMEOUT`, `command ARGV...`. Exit 0 when all pass. HTTP needs curl or wget in
 * the image (the health check's own timeout stops a hanging wget: busybox's `wget -T` crashes).
 * A fixed script: the checks are its arguments, never part of it.
 */
export const HEALTH_SCRIPT = `
fetch() {
  url=$1; t=$2; shift 2
  if command -v curl >/dev/null 2>&1; then
    for h do set -- "$@" -H "$h"; shift; done
    exec curl -fsSk -m "$t" "$@" "$url"
  elif command -v wget >/dev/null 2>&1; then
    for h do set -- "$@" --header "$h"; shift; done
    exec wget -q -O - "$@" "$url"
  fi
  echo "paas: the image has neither curl nor wget for the HTTP check" >&2
  exit 1
}
http_check() {
  url=$1; content=$2; t=$3; shift 3
  body=$(fetch "$url" "$t" "$@") || { echo "paas: $url did not answer with a success" >&2; return 1; }
  [ -z "$content" ] && return 0
  case $body in *"$content"*) return 0 ;; esac
  echo "paas: $url answered without \\"$content\\"" >&2
  return 1
}
listening_check() {
  if command -v bash >/dev/null 2>&1; then bash -c ': </dev/tcp/127.0.0.1/$0' "$1" && return 0
  elif command -v curl >/dev/null 2>&1; then curl -s -o /dev/null -m "$2" "http://127.0.0.1:$1/"; [ $? -ne 7 ] && return 0
  elif command -v wget >/dev/null 2>&1; then
    case $(wget -q -O /dev/null "http://127.0.0.1:$1/" 2>&1) in *refused*) ;; *) return 0 ;; esac
  elif command -v nc >/dev/null 2>&1; then nc -z 127.0.0.1 "$1" </dev/null && return 0
  fi
  echo "paas: port $1 does not accept connections" >&2
  return 1
}
while [ $# -gt 0 ]; do
  n=$1; shift
  (
    total=$#; i=0
    for a do i=$((i + 1)); if [ "$i" -le "$n" ]; then set -- "$@" "$a"; fi; done
    shift "$total"
    kind=$1; shift
    case $kind in
      http) http_check "$@" ;;
      listening) listening_check "$@" ;;
      command) "$@" ;;
      *) exit 1 ;;
    esac
  ) || exit 1
  shift "$n"
done
exit 0
`;

/** The arguments of HEALTH_SCRIPT for one check; undefined for kinds a health check cannot run (uptime). */
export function checkWords(check: HealthCheck, port: number): string[] | undefined {
  const target = String(check.port ?? port);
  let words: string[];
  if (check.command) words = ['command', ...check.command];
  else if (check.uptime !== undefined) return undefined;
  else if (check.listening) words = ['listening', target, String(check.timeout)];
  else {
    const url = `${check.scheme}://127.0.0.1:${target}${check.path}`;
    words = ['http', url, check.content ?? '', String(check.timeout), ...check.httpHeaders.map((h) => `${h.name}: ${h.value}`)];
  }
  return [String(words.length), ...words];
}

/** The Swarm side of a type's checks (see SwarmHealth). Pure. */
export function swarmHealth(input: SwarmHealthInput): SwarmHealth {
  const { type } = input;
  if (input.disabled) {
    return {
      healthcheck: undefined,
      order: 'stop-first',
      monitorSeconds: DEFAULT_MONITOR_SECONDS,
      gating: [],
      notes: [`${type}: checks disabled, so Swarm stops each old task before its new one starts`],
    };
  }
  if (input.skipped || input.checks.length === 0) {
    const wait = input.checks.length === 0 && input.defaultWaitMs !== undefined ? Math.ceil(input.defaultWaitMs / 1000) : 0;
    return {
      healthcheck: undefined,
      order: 'start-first',
      monitorSeconds: Math.max(DEFAULT_MONITOR_SECONDS, wait),
      gating: [],
      notes: input.skipped && input.checks.length ? [`${type}: checks skipped`] : [],
    };
  }
  const notes: string[] = [];
  const gating: HealthCheck[] = [];
  for (const check of input.checks) {
    if (check.type === 'liveness') notes.push(`${type}: liveness check "${check.name}" is not watched on the swarm`);
    else if (check.warn) notes.push(`${type}: check "${check.name}" only warns, so it does not gate the update`);
    else gating.push(check);
    if (check.onFailure && check.type !== 'liveness' && !check.warn) {
      notes.push(`${type}: check "${check.name}": onFailure is not run on the swarm`);
    }
  }
  const uptime = Math.max(0, ...gating.map((c) => c.uptime ?? 0));
  const run = gating.filter((c) => c.uptime === undefined);
  const monitorSeconds = Math.max(DEFAULT_MONITOR_SECONDS, Math.ceil(uptime));
  if (run.length === 0) return { healthcheck: undefined, order: 'start-first', monitorSeconds, gating: gating.map((c) => c.name), notes };
  const only = run.length === 1 ? run[0]!.command : undefined;
  const test = only
    ? ['CMD', ...only]
    : ['CMD', '/bin/sh', '-c', HEALTH_SCRIPT, 'paas-health', ...run.flatMap((c) => checkWords(c, input.port)!)];
  const seconds = (n: number) => Math.max(1, Math.ceil(n)) * NS;
  return {
    healthcheck: {
      Test: test,
      Interval: seconds(Math.min(...run.map((c) => c.wait))),
      Timeout: seconds(run.reduce((sum, c) => sum + c.timeout, 0)),
      StartPeriod: Math.max(...run.map((c) => c.initialDelay)) * NS,
      Retries: Math.max(1, ...run.map((c) => c.attempts)),
    },
    order: 'start-first',
    monitorSeconds,
    gating: gating.map((c) => c.name),
    notes,
  };
}

/** The app.json checks of one type of a release, with the app's checks settings, as Swarm's. */
export function typeHealth(properties: PropertiesTable, app: { id: number }, release: ReleaseRow, type: string): SwarmHealth {
  return swarmHealth({
    type,
    checks: withCheckSettings(appJsonOf(release).healthchecks[type] ?? [], properties, app.id),
    port: release.port,
    disabled: inCheckList(checkList(properties, app.id, 'checksDisabled'), type),
    skipped: inCheckList(checkList(properties, app.id, 'checksSkipped'), type),
    defaultWaitMs: defaultWaitMs(properties.effective(app.id, DEFAULT_WAIT.namespace, DEFAULT_WAIT.key)),
  });
}

/** ` (app.json checks: "a", "b")` for a type with gating checks, else ''. */
export function gatingOf(type: string | undefined, health: ReadonlyMap<string, SwarmHealth>): string {
  const gating = health.get(type ?? '')?.gating ?? [];
  return gating.length ? ` (app.json checks: ${gating.map((name) => `"${name}"`).join(', ')})` : '';
}

/** Why a service's tasks of this release failed, newest first ("failed: ..."). */
export async function taskFailures(docker: Docker, service: string, version: number): Promise<string[]> {
  const tasks = (await docker.listTasks({ filters: { service: [service] } })) as TaskInfo[];
  return tasks
    .filter((t) => Number(t.Spec?.ContainerSpec?.Labels?.[LABELS.release] ?? 0) === version)
    .filter((t) => t.Status?.State === 'failed' || t.Status?.State === 'rejected')
    .sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''))
    .map((t) => `${t.Status?.State}${t.Status?.Err ? `: ${t.Status.Err}` : ''}`);
}
