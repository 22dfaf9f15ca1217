import type { CommandSpec } from './command.js';
import { UserError } from './errors.js';

/** Dokku's behaviour flags, given before the command: `paas --quiet apps:list`. */
export interface GlobalFlags {
  quiet: boolean;
  trace: boolean;
  force: boolean;
  /** `--app APP`: the app of a command that takes one, so it is not repeated. */
  app?: string;
  /**
   * `--app-hint APP`: the app the client found (DOKKU_APP, PAAS_APP, a `paas` or `dokku` git
   * remote). Used only when the command line names no existing app itself.
   */
  appHint?: string;
}

const BOOLEAN = { '--quiet': 'quiet', '--trace': 'trace', '--force': 'force' } as const;

/** Takes the leading global flags off a command line. */
export function takeGlobalFlags(argv: readonly string[]): { flags: GlobalFlags; rest: string[] } {
  const flags: GlobalFlags = { quiet: false, trace: false, force: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const token = argv[i];
    if (token in BOOLEAN) {
      flags[BOOLEAN[token as keyof typeof BOOLEAN]] = true;
      continue;
    }
    const valued = /^--(app|app-hint)(?:=(.*))?$/.exec(token);
    if (!valued) break;
    const value = valued[2] ?? argv[++i];
    if (!value) throw new UserError(`--${valued[1]} needs an app name`);
    if (valued[1] === 'app') flags.app = value;
    else flags.appHint = value;
  }
  return { flags, rest: argv.slice(i) };
}

/** Whether a command's first positional argument is an app (its usage names APP before anything else). */
export function takesApp(spec: CommandSpec): boolean {
  const positionals = spec.usage
    .replace(/\[--[a-z-]+ [A-Z]+\]/g, '')
    .split(/\s+/)
    .filter((token) => token && !/^\[?--[a-z-]+\]?$/.test(token));
  return /^\[?(--global\||--all\|)?APP(\||\]|$)/.test(positionals[0] ?? '');
}

/**
 * Where `--app` or the client's hint go: first among the positionals. An explicit `--app`
 * always goes in; a hint only when the command line does not already start with an existing
 * app and still has room for one. Neither goes in with the command's own --global.
 */
export function withApp(
  spec: CommandSpec,
  args: readonly string[],
  flags: GlobalFlags,
  appExists: (name: string) => boolean,
  commandGlobal = false,
): string[] {
  if (!takesApp(spec) || commandGlobal) return [...args];
  if (flags.app !== undefined) return [flags.app, ...args];
  const hint = flags.appHint;
  if (hint === undefined || args.length >= spec.arity[1]) return [...args];
  if (args.length > 0 && appExists(args[0])) return [...args];
  return [hint, ...args];
}
