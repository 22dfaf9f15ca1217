import type { Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { Terminal } from '../core/command.js';
import { DockerDemux } from '../docker/stream.js';
import { connectNetwork } from './networks.js';
import type { ContainerOverrides } from '../docker-options/container-overrides.js';
import { DEFAULT_TTL_SECONDS } from './one-off-ttl.js';
import { oneOffContainerSpec } from './container-spec.js';

export interface OneOffOptions {
  image: string;
  cmd: string[] | undefined;
  env: string[];
  labels: Record<string, string>;
  network: string;
  /** Networks it joins too: those of the services the app is linked to. */
  serviceNetworks?: readonly string[];
  stdout: Writable;
  stderr: Writable;
  /** Piped to the container's stdin; without it the container gets none. */
  stdin?: Readable;
  /** Runs the container on the caller's terminal (`paas run blog bash` over ssh -t). */
  terminal?: Terminal;
  signal?: AbortSignal;
  name?: string;
  /** The app's storage mounts (storage:mount) of the phase it runs in. */
  binds?: readonly string[];
  /** The app's docker options of the phase it runs in (docker-options:add). */
  docker?: ContainerOverrides;
  /** Seconds after which the container is killed (`--ttl-seconds`); default: a day. */
  ttlSeconds?: number;
}

/** How long to wait for the last output once the container has exited. */
const OUTPUT_GRACE_MS = 2_000;

/**
 * Runs a container to completion with its output streamed as it is produced, and removes it.
 * Attach happens before start, so no early output is lost. Resolves with the exit code.
 */
export async function runOneOff(docker: Docker, options: OneOffOptions): Promise<number> {
  const { terminal } = options;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const withStdin = options.stdin !== undefined || terminal !== undefined;
  const container = await docker.createContainer(oneOffContainerSpec({ ...options, withStdin }, ttl));
  const onAbort = () => void container.kill().catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(onAbort, ttl * 1000);
  deadline.unref();
  try {
    // A container on the host's network (docker-options --network host) joins no other.
    if (!options.docker?.hostNetwork) {
      for (const network of options.serviceNetworks ?? []) await connectNetwork(docker, network, container.id);
    }
    const stream = await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
      stdin: withStdin,
      hijack: withStdin,
    });
    let outputDone: Promise<unknown>;
    if (terminal) {
      const { input, output } = terminal.attach();
      stream.pipe(output, { end: false });
      outputDone = new Promise((resolve) => stream.on('end', resolve));
      await container.start();
      const resize = (rows: number, cols: number) => void container.resize({ h: rows, w: cols }).catch(() => undefined);
      resize(terminal.rows, terminal.cols);
      terminal.onResize(resize);
      input.pipe(stream as unknown as Writable, { end: false });
    } else {
      const demux = new DockerDemux(options.stdout, options.stderr);
      outputDone = new Promise((resolve) => demux.on('finish', resolve));
      stream.pipe(demux);
      await container.start();
      options.stdin?.pipe(stream as unknown as Writable, { end: true });
    }
    const result = (await container.wait()) as { StatusCode: number };
    await Promise.race([outputDone, new Promise((resolve) => setTimeout(resolve, OUTPUT_GRACE_MS))]);
    return result.StatusCode;
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => undefined);
  }
}
