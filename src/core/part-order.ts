import type { Part } from './part.js';

/**
 * The parts in the order they register and start: each after the parts its `after` names,
 * otherwise in list order. Throws on a duplicate name, an unknown name in `after`, or a cycle. Pure.
 */
export function orderParts(parts: readonly Part[]): Part[] {
  const byName = new Map<string, Part>();
  for (const part of parts) {
    if (byName.has(part.name)) throw new Error(`two parts are named "${part.name}"`);
    byName.set(part.name, part);
  }
  for (const part of parts) {
    for (const before of part.after ?? []) {
      if (!byName.has(before)) throw new Error(`part "${part.name}" must come after "${before}", which is not loaded`);
    }
  }
  const ordered: Part[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (part: Part, chain: string[]): void => {
    if (placed.has(part.name)) return;
    if (visiting.has(part.name)) throw new Error(`parts wait for each other in a circle: ${[...chain, part.name].join(' -> ')}`);
    visiting.add(part.name);
    for (const before of part.after ?? []) place(byName.get(before)!, [...chain, part.name]);
    visiting.delete(part.name);
    placed.add(part.name);
    ordered.push(part);
  };
  for (const part of parts) place(part, []);
  return ordered;
}

/** `postgres:link` belongs to topic `postgres`; `help` to `help`. Pure. */
export function commandTopic(command: string): string {
  return command.split(':')[0];
}

/** Which part owns each topic; throws when two parts claim one. Pure. */
export function topicOwners(parts: readonly Part[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const part of parts) {
    for (const topic of part.topics ?? []) {
      const owner = owners.get(topic);
      if (owner !== undefined && owner !== part.name) {
        throw new Error(`parts "${owner}" and "${part.name}" both claim the command topic "${topic}"`);
      }
      owners.set(topic, part.name);
    }
  }
  return owners;
}

/**
 * Throws when `part` registered a command in a topic it does not own: outside its declared
 * topics, or in a topic another part owns. Pure.
 */
export function assertOwnCommands(part: Part, commands: readonly string[], owners: ReadonlyMap<string, string>): void {
  for (const command of commands) {
    const topic = commandTopic(command);
    const owner = owners.get(topic);
    if (owner !== undefined && owner !== part.name) {
      throw new Error(`part "${part.name}" registered ${command}, but the topic "${topic}" belongs to part "${owner}"`);
    }
    if (part.topics && !part.topics.includes(topic)) {
      throw new Error(`part "${part.name}" registered ${command} outside its topics (${part.topics.join(', ')})`);
    }
  }
}
