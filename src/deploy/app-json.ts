import { UserError } from '../core/errors.js';

/** One check of app.json's `healthchecks` (Dokku's format). */
export interface HealthCheck {
  type: 'startup' | 'readiness' | 'liveness';
  name: string;
  path: string;
  port: number | undefined;
  attempts: number;
  /** Seconds between attempts. */
  wait: number;
  /** Seconds one attempt may take. */
  timeout: number;
  /** Seconds before the first attempt. */
  initialDelay: number;
  /** Text the response must contain. */
  content: string | undefined;
}

export interface AppJson {
  predeploy: string | undefined;
  postdeploy: string | undefined;
  /** Heroku's `scripts.postdeploy`: once, after the app's first deploy. */
  firstDeploy: string | undefined;
  healthchecks: Record<string, HealthCheck[]>;
}

export const EMPTY_APP_JSON: AppJson = { predeploy: undefined, postdeploy: undefined, firstDeploy: undefined, healthchecks: {} };

export function parseAppJson(text: string): AppJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
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
  };
}

function script(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new UserError(`app.json ${where} must be a command string`);
  return value;
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
  const type = value.type ?? 'startup';
  if (type !== 'startup' && type !== 'readiness' && type !== 'liveness') {
    throw new UserError(`app.json ${where}.type must be startup, readiness or liveness`);
  }
  const path = value.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new UserError(`app.json ${where}.path must start with /`);
  return {
    type,
    name: typeof value.name === 'string' ? value.name : `${type} check ${path}`,
    path,
    port: optionalNumber(value.port, `${where}.port`),
    attempts: optionalNumber(value.attempts, `${where}.attempts`) ?? 5,
    wait: optionalNumber(value.wait, `${where}.wait`) ?? 2,
    timeout: optionalNumber(value.timeout, `${where}.timeout`) ?? 5,
    initialDelay: optionalNumber(value.initialDelay, `${where}.initialDelay`) ?? 0,
    content: typeof value.content === 'string' ? value.content : undefined,
  };
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
