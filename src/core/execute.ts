import type { Readable, Writable } from 'node:stream';
import type { Actor, Terminal } from './command.js';
import { UserError, oneLine } from './errors.js';
import { renderCommandHelp } from './help.js';
import { checkArity, parseArgs } from './args.js';
import { takeGlobalFlags, withApp, type GlobalFlags } from './global-flags.js';
import { quietWriter } from './quiet-output.js';
import { redactArgv } from './redact.js';
import type { CommandRegistry } from './registry.js';

export interface ExecuteIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  actor: Actor;
  signal: AbortSignal;
  terminal?: Terminal;
}

/** Where a transport's log goes (pino's shape); executeCommand decides what reaches it. */
export interface CommandLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ExecuteHooks {
  /**
   * Every command line is logged here before it runs, and every error that is not the user's
   * with its stack; both with the values the command declares secret hidden (core/redact.ts).
   */
  logger: CommandLogger;
  /** Whether an app exists, to tell a hinted app (--app-hint) from one on the command line. */
  appExists?(name: string): boolean;
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
  let global: GlobalFlags = { quiet: false, trace: false, force: false };
  let quiet: ReturnType<typeof quietWriter> | undefined;
  hooks.logger.info({ argv: redactArgv(registry, argv), actor: io.actor }, 'command');
  try {
    const taken = takeGlobalFlags(argv);
    global = taken.flags;
    const [name = 'help', ...rest] = taken.rest;
    const spec = registry.resolve(name);
    const parsed = parseArgs(spec, rest, { arity: false });
    if (parsed.help) {
      io.stdout.write(renderCommandHelp(spec));
      return 0;
    }
    const args = withApp(
      spec,
      parsed.args,
      global,
      hooks.appExists ?? (() => false),
      parsed.flags.global === true || parsed.flags.all === true,
    );
    checkArity(spec, args);
    if (global.force && spec.flags?.force?.type === 'boolean') parsed.flags.force = true;
    if (global.quiet) quiet = quietWriter(io.stdout);
    const code = await spec.handler({ ...io, stdout: quiet?.stream ?? io.stdout, args, flags: parsed.flags });
    return code ?? 0;
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr.write(`error: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    hooks.logger.error({ err: error, argv: redactArgv(registry, argv), actor: io.actor }, 'command failed');
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: internal error: ${oneLine(message)} (details in the daemon log)\n`);
    if (global.trace && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    await quiet?.close();
  }
}
