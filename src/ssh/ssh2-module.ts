import { createRequire } from 'node:module';
import type Ssh2 from 'ssh2';

const require = createRequire(import.meta.url);
let loaded: typeof Ssh2 | undefined;

/**
 * ssh2, loaded the first time SSH is used: on load it compiles its WebAssembly poly1305 and
 * reserves its memory, about 15 MB of resident memory a daemon without SSH traffic never needs.
 * (ssh2 is CommonJS without named ESM exports: take what you need from this object.)
 */
export function ssh2(): typeof Ssh2 {
  loaded ??= require('ssh2') as typeof Ssh2;
  return loaded;
}
