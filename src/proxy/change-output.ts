import type { Writable } from 'node:stream';
import { writeLine } from '../core/output.js';
import type { ChangeResult } from './proxy.js';

/** What a command prints after a proxy change: whether nginx reloaded, and where the app answers. */
export function printChange(stdout: Writable, result: ChangeResult, urls: readonly string[] = []): void {
  if (result.reloaded) writeLine(stdout, `-----> nginx reloaded (${result.ms} ms)`);
  for (const url of urls) writeLine(stdout, `       ${url}`);
}
