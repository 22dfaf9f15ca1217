import type { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { DockerDemux } from './stream.js';

/**
 * `docker logs` without a TTY is multiplexed: 8-byte headers (stream, 0, 0, 0, size32) before each
 * chunk. dockerode returns a Buffer when not following, which demuxStream cannot take.
 */
export function demuxLogBuffer(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (kind === undefined || kind > 2 || buffer[offset + 1] !== 0) return buffer.toString('utf8');
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export interface LogOptions {
  /** Lines from the end to start with. */
  tail: number;
  /** Keep following new lines until `signal` aborts or the container goes away. */
  follow: boolean;
  out: Writable;
  signal: AbortSignal;
}

/** A container's stdout and stderr log lines, written to `out` as they come. */
export async function streamContainerLogs(docker: Docker, container: string, options: LogOptions): Promise<void> {
  const { tail, follow, out, signal } = options;
  if (!follow) {
    const buffer = (await docker.getContainer(container).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
    const demux = new DockerDemux(out, out);
    await new Promise<void>((resolve) => demux.end(buffer, () => resolve()));
    return;
  }
  const stream = (await docker.getContainer(container).logs({ stdout: true, stderr: true, tail, follow: true })) as NodeJS.ReadableStream & {
    destroy(): void;
  };
  await new Promise<void>((resolve) => {
    const stop = () => {
      stream.destroy();
      resolve();
    };
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.pipe(new DockerDemux(out, out));
  });
}
