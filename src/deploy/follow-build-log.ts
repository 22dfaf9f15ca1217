import { closeSync, openSync, readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 200;
const CHUNK = 64 * 1024;

/**
 * Copies a build's log file to `out` as it grows, until the build is no longer running (or the
 * caller goes away). The status is read before each read of the file, so the last read after the
 * build finished holds everything it wrote.
 */
export async function followBuildLog(file: string, running: () => boolean, out: Writable, signal: AbortSignal): Promise<void> {
  let offset = 0;
  const buffer = Buffer.alloc(CHUNK);
  for (;;) {
    const stillRunning = running();
    offset = copyFrom(file, offset, buffer, out);
    if (!stillRunning || signal.aborted) return;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** Writes what the file holds past `offset`; returns the new offset (0 while the file is missing). */
function copyFrom(file: string, offset: number, buffer: Buffer, out: Writable): number {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return offset;
  }
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      if (read === 0) return offset;
      out.write(Buffer.from(buffer.subarray(0, read)));
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
}
