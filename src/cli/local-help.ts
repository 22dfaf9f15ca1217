import type { Writable } from 'node:stream';
import { executeCommand } from '../core/execute.js';
import type { CommandRegistry } from '../core/registry.js';
import { allParts } from '../daemon/parts.js';
import { createPartApi } from '../core/part-api.js';
import { registerParts } from '../core/part-registration.js';
import { readSettings } from '../daemon/settings.js';

/** Every command definition, without a daemon: for help when it is not running, and the docs. */
export function offlineRegistry(): CommandRegistry {
  const settings = readSettings(process.env);
  const api = createPartApi({
    settings,
    store: unavailable('store'),
    logger: unavailable('logger'),
    instance: 'offline',
    docker: unavailable('Docker client'),
  });
  registerParts(allParts(), api);
  return api.commands;
}

/** Parts only touch their services inside handlers, which offline help never runs. */
function unavailable<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get() {
      throw new Error(`the ${what} is only available inside the daemon`);
    },
  });
}

export function isHelpRequest(argv: readonly string[]): boolean {
  return argv[0] === 'help' || argv.includes('--help');
}

export async function printOfflineHelp(argv: readonly string[], stdout: Writable, stderr: Writable): Promise<number> {
  return executeCommand(
    offlineRegistry(),
    argv,
    { stdout, stderr, stdin: process.stdin, actor: { name: 'local', transport: 'socket' }, signal: new AbortController().signal },
    // Offline help runs no handler that could fail, and logs nowhere.
    { logger: { info: () => undefined, error: () => undefined } },
  );
}
