import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A lock shared by every process that uses the same lock folder (a daemon and the commands it
 * runs; test runners): a directory made with mkdir, which is atomic, holding the owner's pid. A
 * lock whose owner died is taken over. The folder must not be writable by other users (it lives
 * in PAAS_HOME, not /tmp), or anyone could take the lock first and stall the work.
 */
export async function withHostLock<T>(dir: string, work: () => Promise<T>, onWait: (ownerPid: number) => void, pollMs = 2000): Promise<T> {
  let told = false;
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = lockOwner(dir);
    if (owner === undefined) {
      // Just made and its pid not written yet, or left empty by a crash long ago.
      if (ageMs(dir) > 10_000) rmSync(dir, { recursive: true, force: true });
      else await sleep(200);
      continue;
    }
    if (!processAlive(owner)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!told) onWait(owner);
    told = true;
    await sleep(pollMs);
  }
  writeFileSync(join(dir, 'pid'), String(process.pid));
  try {
    return await work();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lockOwner(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(dir: string): number {
  try {
    return Date.now() - statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

/** Our own pid in the lock means a previous process with the same pid died holding it. */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
