import type { CommandSpec, FlagSpec, FlagValues } from './command.js';
import { UserError } from './errors.js';
import { printable } from './names.js';

export interface ParsedArgs {
  args: string[];
  flags: FlagValues;
  help: boolean;
}

/**
 * Splits argv into positionals and declared flags. `--flag value`, `--flag=value`,
 * `--` ends flags. Anything unknown is refused so a typo never silently changes meaning.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[], options: { arity?: boolean } = {}): ParsedArgs {
  const declared = spec.flags ?? {};
  const args: string[] = [];
  const flags: FlagValues = {};
  let help = false;
  let flagsEnded = false;

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    const passthrough = spec.passthroughAfter !== undefined && args.length >= spec.passthroughAfter;
    const short = /^-([A-Za-z])(.*)$/.exec(token);
    if (!flagsEnded && !passthrough && short) {
      const entry = Object.entries(declared).find(([, flag]) => flag.short === short[1]);
      if (entry) {
        const [name, flag] = entry;
        if (flag.type === 'boolean') {
          if (short[2]) throw new UserError(`${spec.name}: -${short[1]} takes no value`);
          flags[name] = true;
        } else {
          const value = short[2] || argv[++i];
          if (value === undefined) throw new UserError(`${spec.name}: -${short[1]} needs a value`);
          flags[name] = addValue(flag, flags[name], value);
        }
        continue;
      }
    }
    if (flagsEnded || passthrough || !token.startsWith('--') || token === '-') {
      args.push(token);
      continue;
    }
    if (token === '--') {
      flagsEnded = true;
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
    if (name === 'help' && !('help' in declared)) {
      help = true;
      continue;
    }
    const flag = declared[name];
    if (!flag && spec.openFlags && eq === -1 && /^[a-z0-9][a-z0-9-]*$/.test(name)) {
      flags[name] = true;
      continue;
    }
    if (!flag) {
      throw new UserError(`${spec.name}: unknown flag --${printable(name)}; see: paas help ${spec.name}`);
    }
    if (flag.type === 'boolean') {
      if (eq !== -1) throw new UserError(`${spec.name}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = token.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw new UserError(`${spec.name}: --${name} needs a value`);
    if (flag.choices && !flag.choices.includes(value)) {
      throw new UserError(`${spec.name}: --${name} must be one of ${flag.choices.join(', ')} (got "${printable(value)}")`);
    }
    flags[name] = addValue(flag, flags[name], value);
  }

  if (!help && options.arity !== false) checkArity(spec, args);
  return { args, flags, help };
}

/** A repeatable flag keeps every value, NUL-separated (argv cannot hold NUL); see flagValues. */
function addValue(flag: FlagSpec, previous: string | boolean | undefined, value: string): string {
  return flag.repeatable && typeof previous === 'string' ? `${previous}\0${value}` : value;
}

/** Every value of a repeatable flag (`--env A=1 --env B=2`), in order. */
export function flagValues(value: string | boolean | undefined): string[] {
  return typeof value === 'string' ? value.split('\0') : [];
}

export function checkArity(spec: CommandSpec, args: string[]): void {
  const [min, max] = spec.arity;
  if (args.length < min || args.length > max) {
    const problem = args.length < min ? 'missing arguments' : 'too many arguments';
    throw new UserError(`${spec.name}: ${problem}; usage: paas ${spec.name} ${spec.usage}`.trimEnd());
  }
}
