import type { CommandSpec, SecretSpec } from './command.js';
import type { CommandRegistry } from './registry.js';

/** What a log keeps of a secret. */
export const REDACTED = '***';
/** A logged command line keeps this many arguments, each cut to MAX_LOGGED_ARG characters. */
export const MAX_LOGGED_ARGS = 32;
export const MAX_LOGGED_ARG = 200;

/** Unknown commands (a typo of a command that takes a secret, say): only the name is kept. */
const UNKNOWN_COMMAND: SecretSpec = { args: 0 };

/**
 * The command line as a log may keep it: the values the command declares secret (CommandSpec
 * `secrets`) replaced by ***, and its size bounded. Every transport logs through this.
 */
export function redactArgv(registry: CommandRegistry, argv: readonly string[]): string[] {
  const [name, ...rest] = argv;
  if (name === undefined) return [];
  const spec = registry.find(name);
  return bounded([name, ...redactArgs(spec, rest)]);
}

/** Flags are recognised as the parser does; anything it would refuse is kept but still screened. */
export function redactArgs(spec: CommandSpec | undefined, args: readonly string[]): string[] {
  const secrets = spec ? (spec.secrets ?? {}) : UNKNOWN_COMMAND;
  const flags = spec?.flags ?? {};
  const secretFlags = new Set(secrets.flags ?? []);
  const out: string[] = [];
  let positional = 0;
  let flagsEnded = false;
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    const passthrough = spec?.passthroughAfter !== undefined && positional >= spec.passthroughAfter;
    if (!flagsEnded && !passthrough && token === '--') {
      flagsEnded = true;
      out.push(token);
      continue;
    }
    const long = !flagsEnded && !passthrough ? /^--([^=]+)(=.*)?$/s.exec(token) : null;
    const short = !flagsEnded && !passthrough ? /^-([A-Za-z])(.*)$/s.exec(token) : null;
    const shortName = short && Object.entries(flags).find(([, flag]) => flag.short === short[1])?.[0];
    const flagName = long ? long[1] : shortName;
    if (flagName !== undefined && flagName !== null) {
      const flag = flags[flagName];
      // An unknown command's flags may be anything: their values are hidden too.
      const secret = secretFlags.has(flagName) || spec === undefined;
      const inlineValue = long ? long[2] !== undefined : short![2] !== '';
      if (inlineValue) {
        out.push(secret ? (long ? `--${flagName}=${REDACTED}` : `-${short![1]}${REDACTED}`) : token);
      } else {
        out.push(token);
        if (flag?.type === 'string' && i + 1 < args.length) {
          i++;
          out.push(secret ? REDACTED : args[i]);
        }
      }
      continue;
    }
    out.push(redactPositional(secrets, positional, token));
    positional++;
  }
  return out;
}

function redactPositional(secrets: SecretSpec, index: number, token: string): string {
  if (typeof secrets.args === 'number') return index >= secrets.args ? REDACTED : token;
  if (secrets.args === 'assignments') {
    const eq = token.indexOf('=');
    return eq > 0 ? `${token.slice(0, eq)}=${REDACTED}` : token;
  }
  return token;
}

function bounded(argv: string[]): string[] {
  const kept = argv
    .slice(0, MAX_LOGGED_ARGS)
    .map((arg) => (arg.length > MAX_LOGGED_ARG ? `${arg.slice(0, MAX_LOGGED_ARG)}...(${arg.length} chars)` : arg));
  if (argv.length > MAX_LOGGED_ARGS) kept.push(`...(${argv.length - MAX_LOGGED_ARGS} more arguments)`);
  return kept;
}
