import type { CommandSpec } from './command.js';
import { UserError } from './errors.js';
import { printable } from './names.js';
import { closest } from './suggest.js';

/** Every command of the core and the plugins, reached the same way from the CLI, SSH and HTTP. */
export class CommandRegistry {
  private readonly byName = new Map<string, CommandSpec>();
  private readonly byAlias = new Map<string, CommandSpec>();

  /** `arity` given as literals types the handler's `args` (see Positionals). */
  register<const Min extends number, const Max extends number>(spec: CommandSpec<Min, Max>): void {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      if (this.byName.has(name) || this.byAlias.has(name)) {
        throw new Error(`command "${name}" is registered twice`);
      }
    }
    // Stored untyped: the parser checked the arity before any handler runs.
    const stored = spec as unknown as CommandSpec;
    this.byName.set(spec.name, stored);
    for (const alias of spec.aliases ?? []) this.byAlias.set(alias, stored);
  }

  /** Takes a command and its aliases out (a plugin being disabled). */
  remove(name: string): void {
    const spec = this.byName.get(name);
    if (!spec) return;
    this.byName.delete(name);
    for (const alias of spec.aliases ?? []) this.byAlias.delete(alias);
  }

  find(name: string): CommandSpec | undefined {
    return this.byName.get(name) ?? this.byAlias.get(name);
  }

  /** The command, or a UserError that names the closest existing one. */
  resolve(name: string): CommandSpec {
    const spec = this.find(name);
    if (spec) return spec;
    const suggestion = closest(name, [...this.list().map((c) => c.name), ...this.byAlias.keys()]);
    const hint = suggestion ? `did you mean "${suggestion}"? ` : '';
    throw new UserError(`unknown command "${printable(name)}"; ${hint}list all commands with: paas help`);
  }

  /** The name of every registered command, hidden ones too. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Commands sorted by name, each once (aliases are not listed separately), hidden ones left out. */
  list(): CommandSpec[] {
    return [...this.byName.values()].filter((c) => !c.hidden).sort((a, b) => a.name.localeCompare(b.name));
  }
}
