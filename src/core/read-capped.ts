import { UserError } from './errors.js';

/**
 * All the bytes of a stream (a command's stdin, a download), refused with `tooBig` as soon as
 * they pass `max`, so a caller cannot make the daemon hold more than it allows.
 */
export async function readCapped(stream: AsyncIterable<unknown>, max: number, tooBig: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > max) throw new UserError(tooBig);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
