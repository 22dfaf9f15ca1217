import { PassThrough, type Readable, type Writable } from 'node:stream';
import type Docker from 'dockerode';

export interface OneOffOptions {
  image: string;
  cmd: string[] | undefined;
  env: string[];
  labels: Record<string, string>;
  network: string;
  stdout: Writable;
  stderr: Writable;
  /** Piped to the container's stdin; without it the container gets none. */
  stdin?: Readable;
  signal?: AbortSignal;
  name?: string;
}

/**
 * Runs a container to completion with its output streamed as it is produced, and removes it.
 * Attach happens before start, so no early output is lost. Resolves with the exit code.
 */
export async function runOneOff(docker: Docker, options: OneOffOptions): Promise<number> {
  const container = await docker.createContainer({
    name: options.name,
    Image: options.image,
    Cmd: options.cmd,
    Env: options.env,
    Labels: options.labels,
    Tty: false,
    OpenStdin: options.stdin !== undefined,
    StdinOnce: options.stdin !== undefined,
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { NetworkMode: options.network, AutoRemove: false },
  });
  const onAbort = () => void container.kill().catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const stream = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
      stdin: options.stdin !== undefined,
      hijack: options.stdin !== undefined,
    })) as NodeJS.ReadWriteStream;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.pipe(options.stdout, { end: false });
    stderr.pipe(options.stderr, { end: false });
    docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    await container.start();
    if (options.stdin) {
      options.stdin.pipe(stream as unknown as Writable, { end: true });
    }
    const result = (await container.wait()) as { StatusCode: number };
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2000))]);
    return result.StatusCode;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => undefined);
  }
}
