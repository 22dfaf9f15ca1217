import type { ReleaseRow } from '../store/releases.js';
import { Cron } from 'croner';
import stripJsonComments from 'strip-json-comments';
import { UserError } from '../core/errors.js';

/** One check of app.json's `healthchecks` (Dokku's format, docker-container-healthchecker's fields). */
export interface HealthCheck {
  type: 'startup' | 'readiness' | 'liveness';
  name: string;
  /** HTTP path; unused by `command`, `listening` and `uptime` checks. */
  path: string;
  port: number | undefined;
  scheme: 'http' | 'https';
  httpHeaders: Array<{ name: string; value: string }>;
  /** Runs this argv in the container instead of an HTTP request; exit 0 passes. */
  command: string[] | undefined;
  /** Passes once the port accepts TCP connections. */
  listening: boolean;
  /** Seconds the container must have been up, without restarts. */
  uptime: number | undefined;
  attempts: number;
  /** Seconds between attempts. */
  wait: number;
  /** Seconds one attempt may take. */
  timeout: number;
  /** Seconds before the first attempt. */
  initialDelay: number;
  /** Text the response must contain. */
  content: string | undefined;
  /** A failure is reported and ignored. */
  warn: boolean;
  /** app.json `onFailure`: what to do once the check failed for good (see check-failure.ts). */
  onFailure: CheckFailureHook | undefined;
  /** Whether attempts/wait/timeout were given in app.json (else checks:set or Dokku's defaults apply). */
  given: { attempts: boolean; wait: boolean; timeout: boolean };
}

/** A check's `onFailure`: a command (argv) and/or a URL to POST the failure to. */
export interface CheckFailureHook {
  command: string[] | undefined;
  url: string | undefined;
}

/** app.json `formation.TYPE`: `quantity` (count on deploy) and `max_parallel` (containers started at once). */
export interface FormationEntry {
  quantity: number | undefined;
  maxParallel: number | undefined;
}

/** app.json `cron[]`: a command run in a one-off container on a schedule. */
export interface CronEntry {
  command: string;
  schedule: string;
  maintenance: boolean;
  concurrencyPolicy: 'allow' | 'forbid' | 'replace';
}

export interface AppJson {
  predeploy: string | undefined;
  postdeploy: string | undefined;
  /** Heroku's `scripts.postdeploy`: once, after the app's first deploy. */
  firstDeploy: string | undefined;
  healthchecks: Record<string, HealthCheck[]>;
  formation: Record<string, FormationEntry>;
  cron: CronEntry[];
}

export const EMPTY_APP_JSON: AppJson = {
  predeploy: undefined,
  postdeploy: undefined,
  firstDeploy: undefined,
  healthchecks: {},
  formation: {},
  cron: [],
};

/** Dokku's defaults for a check's retries and timing (docs: zero-downtime deploys). */
export const CHECK_DEFAULTS = { attempts: 3, wait: 5, timeout: 5 } as const;

/**
 * Reads app.json as Dokku does: JSON with `//` and `/* *\/` comments and trailing commas
 * (HuJSON). Keys Dokku ignores (`env`, `buildpacks`, `addons`, ...) are ignored.
 */
export function parseAppJson(text: string): AppJson {
  let raw: unknown;
  try {
    raw = JSON.parse(stripJsonComments(text.replace(/^\uFEFF/, ''), { trailingCommas: true }));
  } catch (error) {
    throw new UserError(`app.json is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(raw)) throw new UserError('app.json must hold a JSON object');
  const scripts = isObject(raw.scripts) ? raw.scripts : {};
  const dokku = isObject(scripts.dokku) ? scripts.dokku : {};
  return {
    predeploy: script(dokku.predeploy, 'scripts.dokku.predeploy'),
    postdeploy: script(dokku.postdeploy, 'scripts.dokku.postdeploy'),
    firstDeploy: script(scripts.postdeploy, 'scripts.postdeploy'),
    healthchecks: healthchecks(raw.healthchecks),
    formation: formation(raw.formation),
    cron: cron(raw.cron),
  };
}

function script(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new UserError(`app.json ${where} must be a command string`);
  return value;
}

const PROCESS_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

function formation(value: unknown): Record<string, FormationEntry> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new UserError('app.json formation must map process types to { "quantity": N }');
  const result: Record<string, FormationEntry> = {};
  for (const [type, entry] of Object.entries(value)) {
    if (!PROCESS_TYPE.test(type)) throw new UserError(`app.json formation: "${type}" is not a process type name`);
    if (!isObject(entry)) throw new UserError(`app.json formation.${type} must be an object`);
    const quantity = optionalInteger(entry.quantity, `formation.${type}.quantity`, 0, 100);
    const maxParallel = optionalInteger(entry.max_parallel, `formation.${type}.max_parallel`, 1, 100);
    result[type] = { quantity, maxParallel };
  }
  return result;
}

function cron(value: unknown): CronEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new UserError('app.json cron must be a list of { "command", "schedule" }');
  return value.map((entry, i) => {
    const where = `cron[${i}]`;
    if (!isObject(entry)) throw new UserError(`app.json ${where} must be an object`);
    if (typeof entry.command !== 'string' || entry.command.trim() === '') {
      throw new UserError(`app.json ${where}.command must be a command string`);
    }
    if (typeof entry.schedule !== 'string' || entry.schedule.trim() === '') {
      throw new UserError(`app.json ${where}.schedule must be a cron schedule like "0 1 * * *" or "@daily"`);
    }
    assertSchedule(entry.schedule, where);
    const policy = entry.concurrency_policy ?? 'allow';
    if (policy !== 'allow' && policy !== 'forbid' && policy !== 'replace') {
      throw new UserError(`app.json ${where}.concurrency_policy must be allow, forbid or replace`);
    }
    if (entry.maintenance !== undefined && typeof entry.maintenance !== 'boolean') {
      throw new UserError(`app.json ${where}.maintenance must be true or false`);
    }
    return { command: entry.command, schedule: entry.schedule.trim(), maintenance: entry.maintenance === true, concurrencyPolicy: policy };
  });
}

/**
 * A schedule Dokku accepts: five fields (minute to weekday) or a macro like `@daily`; seconds
 * are refused, croner checks the rest.
 */
function assertSchedule(schedule: string, where: string): void {
  const trimmed = schedule.trim();
  const macro = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(trimmed);
  if (!macro && trimmed.split(/\s+/).length !== 5) {
    throw new UserError(`app.json ${where}.schedule "${schedule}" must have five fields (minute hour day month weekday) or be like @daily`);
  }
  try {
    new Cron(trimmed, { paused: true }).stop();
  } catch (error) {
    throw new UserError(`app.json ${where}.schedule "${schedule}" is not a cron schedule: ${(error as Error).message}`);
  }
}

function healthchecks(value: unknown): Record<string, HealthCheck[]> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new UserError('app.json healthchecks must map process types to lists of checks');
  const result: Record<string, HealthCheck[]> = {};
  for (const [type, checks] of Object.entries(value)) {
    if (!Array.isArray(checks)) throw new UserError(`app.json healthchecks.${type} must be a list`);
    result[type] = checks.map((check, i) => healthcheck(check, `healthchecks.${type}[${i}]`));
  }
  return result;
}

function healthcheck(value: unknown, where: string): HealthCheck {
  if (!isObject(value)) throw new UserError(`app.json ${where} must be an object`);
  const type = value.type === undefined || value.type === '' ? 'startup' : value.type;
  if (type !== 'startup' && type !== 'readiness' && type !== 'liveness') {
    throw new UserError(`app.json ${where}.type must be startup, readiness or liveness`);
  }
  const path = value.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new UserError(`app.json ${where}.path must start with /`);
  const scheme = value.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') throw new UserError(`app.json ${where}.scheme must be http or https`);
  const command = commandOf(value.command, `${where}.command`);
  const listening = booleanOf(value.listening, `${where}.listening`);
  const uptime = optionalNumber(value.uptime, `${where}.uptime`);
  const kind = command ? `command ${command.join(' ')}` : listening ? 'listening' : uptime !== undefined ? `uptime ${uptime}s` : path;
  return {
    type,
    name: typeof value.name === 'string' && value.name !== '' ? value.name : `${type} check ${kind}`,
    path,
    port: optionalNumber(value.port, `${where}.port`),
    scheme,
    httpHeaders: headersOf(value.httpHeaders, `${where}.httpHeaders`),
    command,
    listening,
    uptime,
    attempts: optionalNumber(value.attempts, `${where}.attempts`) ?? CHECK_DEFAULTS.attempts,
    wait: optionalNumber(value.wait, `${where}.wait`) ?? CHECK_DEFAULTS.wait,
    timeout: optionalNumber(value.timeout, `${where}.timeout`) ?? CHECK_DEFAULTS.timeout,
    initialDelay: optionalNumber(value.initialDelay, `${where}.initialDelay`) ?? 0,
    content: typeof value.content === 'string' && value.content !== '' ? value.content : undefined,
    warn: booleanOf(value.warn, `${where}.warn`),
    onFailure: failureHookOf(value.onFailure, `${where}.onFailure`),
    given: { attempts: value.attempts !== undefined, wait: value.wait !== undefined, timeout: value.timeout !== undefined },
  };
}

function failureHookOf(value: unknown, where: string): CheckFailureHook | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new UserError(`app.json ${where} must be an object with "command" and/or "url"`);
  const command = commandOf(value.command, `${where}.command`);
  let url: string | undefined;
  if (value.url !== undefined && value.url !== null && value.url !== '') {
    if (typeof value.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(value.url))
      throw new UserError(`app.json ${where}.url must be an http(s) URL`);
    url = value.url;
  }
  return command || url ? { command, url } : undefined;
}

function commandOf(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return ['/bin/sh', '-c', value];
  if (Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === 'string')) return value;
  throw new UserError(`app.json ${where} must be a list of strings, e.g. ["/app/bin/check"]`);
}

function headersOf(value: unknown, where: string): Array<{ name: string; value: string }> {
  if (value === undefined || value === null) return [];
  const valid = (h: unknown): h is { name: string; value: string } =>
    isObject(h) && typeof h.name === 'string' && /^[A-Za-z0-9-]+$/.test(h.name) && typeof h.value === 'string';
  if (!Array.isArray(value) || !value.every(valid)) {
    throw new UserError(`app.json ${where} must be a list of { "name": ..., "value": ... }`);
  }
  return value.map((h) => ({ name: h.name, value: h.value }));
}

function booleanOf(value: unknown, where: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new UserError(`app.json ${where} must be true or false`);
  return value;
}

function optionalInteger(value: unknown, where: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`app.json ${where} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function optionalNumber(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UserError(`app.json ${where} must be a non-negative number`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The app.json a release was made with (none: empty). */
export function appJsonOf(release: Pick<ReleaseRow, 'appJson'>): AppJson {
  return release.appJson ? parseAppJson(release.appJson) : EMPTY_APP_JSON;
}
