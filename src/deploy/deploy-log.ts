import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * What a deploy prints, in Dokku's layout (`-----> step`, indented detail), sent to the pusher as
 * it happens and kept in the build's log file for `builds:output`.
 */
export class DeployLog {
  /** Without a file the log only goes to the stream (config changes, restarts). */
  constructor(
    readonly stream: Writable,
    private readonly file?: string,
  ) {
    if (file) mkdirSync(dirname(file), { recursive: true });
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

  /** A stream whose lines become detail lines: for a script's output. */
  lineWriter(): Writable {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const flush = (final: boolean) => {
      const lines = pending.split('\n');
      pending = final ? '' : lines.pop()!;
      for (const line of lines) if (!final || line !== '') this.detail(line.replace(/\r$/, ''));
    };
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        pending += decoder.write(chunk);
        flush(false);
        callback();
      },
      final: (callback) => {
        pending += decoder.end();
        flush(true);
        callback();
      },
    });
  }

  private write(text: string): void {
    if (this.file) appendFileSync(this.file, text);
    if (!this.stream.destroyed) this.stream.write(text);
  }
}
