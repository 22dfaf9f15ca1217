import type { Readable, Writable } from 'node:stream';

export interface FlagSpec {
  type: 'boolean' | 'string';
  description: string;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** Shown in usage for string flags, e.g. FORMAT. */
  placeholder?: string;
  /** A one-letter alias, e.g. `t` for `-t`. */
  short?: string;
  /** A string flag that may be given several times (read it with flagValues). */
  repeatable?: boolean;
}

export type FlagValues = Record<string, string | boolean | undefined>;

/** Who runs a command, for releases and logs ("root via socket", "token laptop", "ssh key me"). */
export interface Actor {
  name: string;
  transport: 'socket' | 'http' | 'ssh' | 'hook';
}

/**
 * The caller's terminal, when there is one (ssh -t). A command that runs an interactive program
 * (psql, a shell) attaches it and passes raw bytes both ways; everything else ignores it.
 */
export interface Terminal {
  rows: number;
  cols: number;
  term: string;
  /** Takes over the caller's terminal: raw input and output, no line translation. */
  attach(): { input: Readable; output: Writable };
  onResize(listener: (rows: number, cols: number) => void): void;
}

/** N required positionals. */
type Required<N extends number, Acc extends string[] = []> = Acc['length'] extends N ? Acc : Required<N, [...Acc, string]>;

/** Adds optional positionals until Count reaches Max (Count tracks the length: optional tuples have none). */
type Optional<Max extends number, Acc extends Array<string | undefined>, Count extends unknown[]> = Count['length'] extends Max
  ? Acc
  : Optional<Max, [...Acc, string?], [...Count, 0]>;

/**
 * The positionals a handler receives, typed from its `arity`: [1, 2] gives [string, string?],
 * [1, Infinity] gives [string, ...string[]]. An arity that is not a literal gives string[].
 */
export type Positionals<Min extends number, Max extends number> = number extends Max
  ? [...Required<Min>, ...string[]]
  : Optional<Max, Required<Min>, Required<Min>>;

export interface CommandContext<Args = ReadonlyArray<string | undefined>> {
  /** Positional arguments, after flags were taken out; typed from the command's arity. */
  args: Args;
  flags: FlagValues;
  stdout: Writable;
  stderr: Writable;
  /** The caller's standard input, for commands that read a file from it. */
  stdin: Readable;
  actor: Actor;
  /** Aborted when the caller goes away (closed connection, ^C). */
  signal: AbortSignal;
  terminal?: Terminal;
}

/**
 * What of a command line is secret, so no transport's log ever holds it (see core/redact.ts).
 * Declared once, beside the command's flags.
 */
export interface SecretSpec {
  /** String flags whose value is secret, e.g. `password` for `--password P`. */
  flags?: readonly string[];
  /**
   * Positionals that are secret: `assignments` hides the VALUE of every KEY=VALUE (config values),
   * a number N hides every positional from index N on.
   */
  args?: 'assignments' | number;
}

export interface CommandSpec<Min extends number = number, Max extends number = number> {
  /** `topic:verb`, e.g. `apps:create`, or a bare name like `logs`. */
  name: string;
  aliases?: readonly string[];
  /** One line for `paas help`. */
  summary: string;
  /** Argument synopsis after the command name, e.g. `APP KEY=VALUE...`. */
  usage: string;
  /** Longer explanation shown by `paas help CMD`. */
  description?: string;
  examples: readonly string[];
  flags?: Record<string, FlagSpec>;
  /** Fewest and most positional arguments (most: Infinity for variadic). */
  arity: readonly [Min, Max];
  /**
   * Stop reading flags after this many positionals, so `run APP ls --all`
   * passes `--all` through to the command instead of rejecting it.
   */
  passthroughAfter?: number;
  /**
   * Unknown `--name` flags are passed to the handler as true instead of refused: the report
   * commands' one-value flags (`--builder-selected`), which the handler checks itself.
   */
  openFlags?: boolean;
  /** Secret arguments and flags: never logged. */
  secrets?: SecretSpec;
  /** Internal plumbing (e.g. the git hook's entry point): left out of help and the README. */
  hidden?: boolean;
  handler(ctx: CommandContext<Positionals<Min, Max>>): Promise<number | void> | number | void;
}
