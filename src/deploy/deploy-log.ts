import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

/**
 * What a deploy prints, in Dokku's layout (`-----> step`, indented detail), sent to the pusher as
 * it happens and kept in the build's log file for `builds:output`.
 */
export class DeployLog {
  constructor(
    readonly stream: Writable,
    private readonly file: string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  step(text: string): void {
    this.write(`-----> ${text}\n`);
  }

  detail(text: string): void {
    this.write(`       ${text}\n`);
  }

  banner(text: string): void {
    this.write(`=====> ${text}\n`);
  }

  private write(text: string): void {
    appendFileSync(this.file, text);
    if (!this.stream.destroyed) this.stream.write(text);
  }
}
