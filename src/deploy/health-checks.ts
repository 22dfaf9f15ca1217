import type { HealthCheck } from './app-json.js';
import { attemptCheck } from './app-checks.js';
import { runFailureHook } from './check-failure.js';
import { ProcessCheckFailed, type DockerLocalScheduler, type ProcessContainer } from './scheduler.js';

export interface CheckLog {
  step(text: string): void;
  detail(text: string): void;
}

/** Without app.json checks: a web process must accept TCP within this time. */
const DEFAULT_LISTEN_TIMEOUT_MS = 60_000;

/** `checks:set APP default-wait N` (Dokku's property): seconds a new container must stay up before traffic. */
export const DEFAULT_WAIT = { namespace: 'checks', key: 'default-wait' } as const;

/**
 * Without app.json checks and without a default-wait, a new container gets traffic as soon as it
 * is ready, and must still be running this long after it started (else traffic moves back).
 */
export const STAY_UP_MS = 500;

/** A stored default-wait in milliseconds; undefined when unset or not a whole number of seconds. */
export function defaultWaitMs(stored: string | undefined): number | undefined {
  return stored !== undefined && /^\d{1,4}$/.test(stored) ? Number(stored) * 1000 : undefined;
}

/**
 * A new container must pass these before it gets traffic: the app.json startup and readiness
 * checks of its process type; else, with a default-wait, staying up that long (and, for web,
 * accepting TCP on its port); else accepting TCP (web) or running (other types). The stay-up
 * window (STAY_UP_MS from its start) is watched by the caller while traffic already moves.
 */
export async function checkProcess(
  scheduler: DockerLocalScheduler,
  process: ProcessContainer,
  port: number,
  checks: readonly HealthCheck[],
  log: CheckLog,
  waitMs?: number,
): Promise<void> {
  const label = `${process.type}.${process.index}`;
  const active = checks.filter((check) => check.type !== 'liveness');
  if (active.length === 0) {
    if (process.type === 'web') {
      log.step(`Checking ${label}: waiting for it to accept connections on port ${port}`);
      await scheduler.waitUntilListening(process, port, DEFAULT_LISTEN_TIMEOUT_MS);
    }
    if (waitMs !== undefined) {
      log.step(`Checking ${label}: making sure it stays up for ${waitMs / 1000} s (default-wait)`);
      await scheduler.assertStaysUp([process], waitMs);
    } else {
      await scheduler.assertRunning(process);
    }
    return;
  }
  for (const check of active) {
    log.step(`Checking ${label}: ${check.name}`);
    await runAppJsonCheck(scheduler, process, port, check, log);
  }
}

async function runAppJsonCheck(
  scheduler: DockerLocalScheduler,
  process: ProcessContainer,
  port: number,
  check: HealthCheck,
  log: CheckLog,
): Promise<void> {
  await sleep(check.initialDelay * 1000);
  let last = '';
  for (let attempt = 1; attempt <= Math.max(1, check.attempts); attempt++) {
    await scheduler.assertRunning(process);
    last = await attemptCheck(scheduler.docker, process, port, check);
    if (last === '') {
      log.detail(`${check.name} passed (attempt ${attempt})`);
      return;
    }
    log.detail(`attempt ${attempt}/${check.attempts}: ${last}`);
    if (attempt < check.attempts) await sleep(check.wait * 1000);
  }
  await runFailureHook(scheduler, process, check, last, (line) => log.detail(line));
  if (check.warn) {
    log.detail(`${check.name} failed; going on, as it only warns ("warn": true)`);
    return;
  }
  throw new ProcessCheckFailed(
    `${process.type}.${process.index} failed its check "${check.name}": ${last}`,
    await scheduler.lastLogLines(process.id),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
