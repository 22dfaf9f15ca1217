import { Writable, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Terminal } from '../core/command.js';
import { DockerDemux } from './stream.js';

export interface ExecOptions {
  cmd: string[];
  user?: string;
  env?: string[];
  stdout: Writable;
  stderr: Writable;
  /** Piped to the program's standard input; without it the program gets none. */
  stdin?: Readable;
  /** Cuts the connection when the caller goes away. */
  signal?: AbortSignal;
  /** Runs the program on the caller's terminal (interactive psql, a shell) instead of pipes. */
  terminal?: Terminal;
}

/**
 * Runs a program in a running container (docker exec, argv, no shell added), its output passed
 * through byte for byte and its input from `stdin` until that ends. Resolves with the exit code.
 */
export async function execIn(docker: Docker, containerId: string, options: ExecOptions): Promise<number> {
  if (options.terminal) return execOnTerminal(docker, containerId, options, options.terminal);
  const withStdin = options.stdin !== undefined;
  const exec = await docker.getContainer(containerId).exec({
    Cmd: options.cmd,
    User: options.user,
    Env: options.env,
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: withStdin, stdin: withStdin })) as NodeJS.ReadWriteStream & { destroy(): void };
  const onAbort = () => stream.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const demux = new DockerDemux(options.stdout, options.stderr);
    // Normally: the output ends and the demuxer has written all of it. A cut connection may never end.
    let ended = false;
    const done = new Promise<void>((resolve) => {
      demux.on('finish', resolve);
      stream.on('end', () => (ended = true));
      stream.on('close', () => !ended && resolve());
      stream.on('error', () => !ended && resolve());
    });
    stream.pipe(demux);
    if (options.stdin) {
      options.stdin.on('error', () => undefined);
      options.stdin.pipe(stream as unknown as Writable);
    }
    await done;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    options.stdin?.unpipe(stream);
  }
  return exitCodeOf(exec);
}

/** The program gets a TTY of the caller's size; bytes pass through untouched both ways. */
async function execOnTerminal(docker: Docker, containerId: string, options: ExecOptions, terminal: Terminal): Promise<number> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: options.cmd,
    User: options.user,
    Env: [...(options.env ?? []), `TERM=${terminal.term}`],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as NodeJS.ReadWriteStream & { destroy(): void };
  const resize = (rows: number, cols: number) => void exec.resize({ h: rows, w: cols }).catch(() => undefined);
  resize(terminal.rows, terminal.cols);
  terminal.onResize(resize);
  const { input, output } = terminal.attach();
  const onAbort = () => stream.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Docker ends a TTY session, output and all, when its input closes: the program ends it.
    input.pipe(stream as unknown as Writable, { end: false });
    stream.pipe(output, { end: false });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    input.unpipe(stream);
  }
  return exitCodeOf(exec);
}

/** The exec's exit code; it can lag a moment behind the end of its output. */
async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? 1;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 1;
}

/** Runs a program and collects its output as text, for checks and small queries. */
export async function execText(
  docker: Docker,
  containerId: string,
  options: Omit<ExecOptions, 'stdout' | 'stderr'>,
): Promise<{ code: number; output: string }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const code = await execIn(docker, containerId, { ...options, stdout: sink, stderr: sink });
  return { code, output: Buffer.concat(chunks).toString('utf8') };
}
