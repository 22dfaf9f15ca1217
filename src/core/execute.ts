import type { Readable, Writable } from 'node:stream';
import type { Actor, Terminal } from './command.js';
import { UserError, oneLine } from './errors.js';
import { renderCommandHelp } from './help.js';
import { parseArgs } from './args.js';
import type { CommandRegistry } from './registry.js';

export interface ExecuteIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  actor: Actor;
  signal: AbortSignal;
  terminal?: Terminal;
}

export interface ExecuteHooks {
  /** Called for errors that are not the user's, to log them with their stack. */
  onInternalError(error: unknown, argv: readonly string[]): void;
}

/**
 * Runs one command line, whatever transport brought it: resolves the command, parses flags,
 * answers --help, and turns every failure into one line on stderr and a non-zero exit code.
 */
export async function executeCommand(
  registry: CommandRegistry,
  argv: readonly string[],
  io: ExecuteIo,
  hooks: ExecuteHooks,
): Promise<number> {
  const [name = 'help', ...rest] = argv;
  try {
    const spec = registry.resolve(name);
    const parsed = parseArgs(spec, rest);
    if (parsed.help) {
      io.stdout.write(renderCommandHelp(spec));
      return 0;
    }
    const code = await spec.handler({ ...io, args: parsed.args, flags: parsed.flags });
    return code ?? 0;
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr.write(`error: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    hooks.onInternalError(error, argv);
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: internal error: ${oneLine(message)} (details in the daemon log)\n`);
    return 1;
  }
}
