import { contextPath } from '../build/build-context.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { trueOrFalse, type PropertySpec } from '../core/properties.js';
import { DEFAULTS, SETTING } from './deploy-settings.js';
import { parseRestartPolicy } from './restart-policy.js';
import { DEFAULT_WAIT } from './health-checks.js';

/** A whole number of seconds from 0 to `max`. */
function seconds(what: string, max: number): (value: string) => string {
  return (value) => {
    if (!/^\d{1,5}$/.test(value) || Number(value) > max) throw new UserError(`${what} must be a whole number of seconds from 0 to ${max}`);
    return String(Number(value));
  };
}

function relativePath(what: string): (value: string) => string {
  return (value) => contextPath(value, what);
}

/** `ps:set` properties (Dokku's process management page). */
export const PS_PROPERTIES: readonly PropertySpec[] = [
  {
    key: SETTING.procfilePath.key,
    scope: 'app+global',
    summary: 'the Procfile to read, relative to the build folder (no such file: no Procfile)',
    default: DEFAULTS.procfilePath,
    validate: relativePath('procfile-path'),
  },
  {
    key: SETTING.restartPolicy.key,
    scope: 'app+global',
    summary:
      "Docker's restart policy of the app's containers: no, always, unless-stopped, on-failure[:N] (from the next deploy or ps:restart)",
    default: DEFAULTS.restartPolicy,
    validate(value) {
      if (!parseRestartPolicy(value)) {
        throw new UserError(`invalid restart-policy "${printable(value)}": use no, always, unless-stopped, on-failure or on-failure:N`);
      }
      return value;
    },
  },
  {
    key: SETTING.stopTimeout.key,
    scope: 'app+global',
    summary: 'seconds between SIGTERM and SIGKILL when a container stops',
    default: String(DEFAULTS.stopTimeout),
    validate: seconds('stop-timeout-seconds', 3600),
  },
  {
    key: SETTING.restore.key,
    scope: 'app',
    summary: 'false: after a reboot or a restart of Docker, the app stays stopped until ps:start (ps:restore skips it too)',
    default: 'true',
    validate: trueOrFalse('restore'),
  },
];

/** `checks:set` properties (Dokku's zero-downtime page); default-wait is read by the readiness rule. */
export const CHECKS_PROPERTIES: readonly PropertySpec[] = [
  {
    key: SETTING.waitToRetire.key,
    scope: 'app+global',
    summary: 'seconds the old containers keep running after traffic moved to the new ones',
    default: String(DEFAULTS.waitToRetire),
    validate: seconds('wait-to-retire', 86400),
  },
  {
    key: DEFAULT_WAIT.key,
    scope: 'app+global',
    summary: 'seconds a new container without app.json checks must stay up before it gets traffic (unset: as soon as it is ready)',
    validate: seconds('default-wait', 9999),
  },
  {
    key: SETTING.checksWait.key,
    scope: 'app+global',
    summary: 'seconds between attempts of app.json checks that do not set "wait"',
    default: '5',
    validate: seconds('wait', 3600),
  },
  {
    key: SETTING.checksTimeout.key,
    scope: 'app+global',
    summary: 'seconds one attempt of an app.json check may take, when it does not set "timeout"',
    default: '5',
    validate: seconds('timeout', 3600),
  },
  {
    key: SETTING.checksAttempts.key,
    scope: 'app+global',
    summary: 'attempts of app.json checks that do not set "attempts"',
    default: '3',
    validate(value) {
      if (!/^[1-9]\d{0,2}$/.test(value)) throw new UserError('attempts must be a whole number from 1 to 999');
      return value;
    },
  },
];

/** `app-json:set` properties. */
export const APP_JSON_PROPERTIES: readonly PropertySpec[] = [
  {
    key: SETTING.appJsonPath.key,
    scope: 'app+global',
    summary: 'the app.json to read, relative to the build folder (no such file: no app.json)',
    default: DEFAULTS.appJsonPath,
    validate: relativePath('appjson-path'),
  },
];
