import { Readable, Writable } from 'node:stream';
import type { Actor } from '../core/command.js';
import { executeCommand } from '../core/execute.js';
import type { CommandRegistry } from '../core/registry.js';
import type { Logger } from '../daemon/logger.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  /** Runs a registered command as `actor`, collecting its output (nothing is written anywhere else). */
  run(argv: readonly string[], actor: Actor, signal?: AbortSignal): Promise<CommandResult>;
  /** Runs a registered command, handing its stdout to `out` as it comes; resolves with the exit code and stderr. */
  stream(argv: readonly string[], actor: Actor, out: Writable, signal: AbortSignal): Promise<Omit<CommandResult, 'stdout'>>;
}

/**
 * The API's only way to do anything: the same commands, parsing and rules as the CLI, SSH and
 * `POST /v1/commands`; an HTTP route only chooses the argv and shapes the reply.
 */
export function commandRunner(registry: CommandRegistry, logger: Logger): CommandRunner {
  const execute = async (argv: readonly string[], actor: Actor, stdout: Writable, signal: AbortSignal) => {
    const stderr: Buffer[] = [];
    const code = await executeCommand(
      registry,
      argv,
      { stdout, stderr: collector(stderr), stdin: Readable.from([]), actor, signal },
      { logger },
    );
    return { code, stderr: Buffer.concat(stderr).toString('utf8') };
  };
  return {
    async run(argv, actor, signal = new AbortController().signal) {
      const stdout: Buffer[] = [];
      const result = await execute(argv, actor, collector(stdout), signal);
      return { ...result, stdout: Buffer.concat(stdout).toString('utf8') };
    },
    stream: execute,
  };
}

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    },
  });
}

/** The CLI's one-line message of a failed command: its stderr without the `error: ` prefix. */
export function errorMessage(result: Pick<CommandResult, 'stderr' | 'code'>): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  const last = [...lines].reverse().find((line) => line.startsWith('error: ')) ?? lines.at(-1);
  return last ? last.replace(/^error: /, '') : `the command failed with exit code ${result.code}`;
}
