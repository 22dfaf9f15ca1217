import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { UserError } from './errors.js';
import { printable } from './names.js';

/**
 * Reads a file a user named (certs:add CRT KEY, ssh-keys:add FILE), safely for the daemon: only a
 * regular file (a FIFO, a device such as /dev/zero or a folder is refused, never waited on), and
 * at most `maxBytes`. `what` names the file in errors ("certificate").
 */
export async function readUserFile(path: string, what: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw new UserError(`cannot read the ${what} ${printable(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UserError(`the ${what} ${printable(path)} is not a regular file`);
    if (stats.size > maxBytes) {
      throw new UserError(`the ${what} ${printable(path)} is too big (${stats.size} bytes; at most ${maxBytes})`);
    }
    // The size can change while we read: never take more than the cap.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new UserError(`the ${what} ${printable(path)} is too big (more than ${maxBytes} bytes)`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
