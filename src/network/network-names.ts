/** Names of the networks users make (network:create), as commands and settings take them. */
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { NETWORK_NAME } from '../docker-options/option-parser.js';

export function assertNetworkName(name: string): string {
  if (!NETWORK_NAME.test(name)) {
    throw new UserError(
      `invalid network name "${printable(name)}": use lowercase letters, digits, - and _, at most 32 characters (e.g. backend)`,
    );
  }
  return name;
}

/** `a b` or `a,b` into network names (each checked); `single`: at most one. Pure. */
export function parseNetworkList(value: string, single: boolean): string {
  const names = value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(assertNetworkName);
  if (single && names.length > 1) throw new UserError('initial-network takes one network');
  return [...new Set(names)].join(' ');
}
