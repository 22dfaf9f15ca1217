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
  const source = docker.getContainer(container);
  const base = { stdout: true, stderr: true, tail: options.tail };
  // Two calls: dockerode types the followed and the buffered form apart.
  await streamLogs((follow) => (follow ? source.logs({ ...base, follow: true }) : source.logs({ ...base, follow: false })), options);
}

/**
 * Log lines of a container or a swarm task (the same multiplexed format), written to `out` as
 * they come; `fetch` asks Docker for them (a Buffer, or a stream when following).
 */
export async function streamLogs(fetch: (follow: boolean) => Promise<unknown>, options: LogOptions): Promise<void> {
  const { follow, out, signal } = options;
  if (!follow) {
    const buffer = (await fetch(false)) as Buffer;
    const demux = new DockerDemux(out, out);
    await new Promise<void>((resolve) => demux.end(buffer, () => resolve()));
    return;
  }
  const stream = (await fetch(true)) as NodeJS.ReadableStream & {
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
