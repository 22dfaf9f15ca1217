import type { Part, PartApi } from './part.js';
import { assertOwnCommands, orderParts, topicOwners } from './part-order.js';

/**
 * Orders the parts, then lets each declare its commands, triggers and reports, checking that its
 * commands stay in its own topics. Returns the parts in start order.
 */
export function registerParts(parts: readonly Part[], api: PartApi): Part[] {
  const ordered = orderParts(parts);
  const owners = topicOwners(ordered);
  for (const part of ordered) registerPart(part, api, owners);
  return ordered;
}

/** One part's register(), with its commands checked against the topics it and the others own. */
export function registerPart(part: Part, api: PartApi, owners: ReadonlyMap<string, string>): void {
  const before = new Set(api.commands.names());
  part.register(api);
  assertOwnCommands(
    part,
    api.commands.names().filter((name) => !before.has(name)),
    owners,
  );
}
