import type { CommandSpec } from './command.js';

/** `paas help`: every command grouped by topic, one line each. */
export function renderCommandList(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const lines = ['Usage: paas COMMAND [ARGS...]   (paas help COMMAND for details)', ''];
  let topic = '';
  for (const command of commands) {
    const commandTopic = topicOf(command.name);
    if (commandTopic !== topic) {
      if (topic) lines.push('');
      topic = commandTopic;
    }
    lines.push(`  ${command.name.padEnd(width)}${command.summary}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `paas help CMD` and `paas CMD --help`. */
export function renderCommandHelp(command: CommandSpec): string {
  const lines = [`Usage: paas ${command.name} ${command.usage}`.trimEnd(), '', command.summary];
  if (command.description) lines.push('', command.description);
  if (command.aliases?.length) lines.push('', `Aliases: ${command.aliases.join(', ')}`);
  const flags = Object.entries(command.flags ?? {});
  if (flags.length) {
    lines.push('', 'Flags:');
    const rendered = flags.map(([name, flag]) => {
      const value = flag.type === 'string' ? ` ${flag.placeholder ?? 'VALUE'}` : '';
      const choices = flag.choices ? ` (${flag.choices.join('|')})` : '';
      const short = flag.short ? `-${flag.short}, ` : '';
      return [`${short}--${name}${value}`, `${flag.description}${choices}`] as const;
    });
    const width = Math.max(...rendered.map(([left]) => left.length)) + 2;
    for (const [left, right] of rendered) lines.push(`  ${left.padEnd(width)}${right}`);
  }
  lines.push('', command.examples.length > 1 ? 'Examples:' : 'Example:');
  for (const example of command.examples) lines.push(`  ${example}`);
  return `${lines.join('\n')}\n`;
}

function topicOf(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}
