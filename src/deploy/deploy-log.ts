import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { formatSize } from '../core/sizes.js';

/** What `builds:output` keeps of one build at most. */
export const MAX_BUILD_LOG_BYTES = 16 * 1024 ** 2;

/**
 * What a deploy prints, in Dokku's layout (`-----> step`, indented detail), sent to the pusher as
 * it happens and kept in the build's log file for `builds:output`.
 */
export class DeployLog {
  private kept = 0;
  private truncated = false;

  /**
   * Without a file the log only goes to the stream (config changes, restarts). The file keeps at
   * most `maxFileBytes`; the pusher still sees everything.
   */
  constructor(
    readonly stream: Writable,
    private readonly file?: string,
    private readonly maxFileBytes = MAX_BUILD_LOG_BYTES,
  ) {
    if (file) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
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
    if (this.file && !this.truncated) {
      try {
        this.keep(this.file, text);
      } catch {
        // A full disk (or a removed folder): the file stops here; the pusher still sees everything.
        this.truncated = true;
      }
    }
    if (!this.stream.destroyed) this.stream.write(text);
  }

  private keep(file: string, text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.kept + bytes > this.maxFileBytes) {
      this.truncated = true;
      appendFileSync(file, `-----> (the build log is cut here at ${formatSize(this.maxFileBytes)}; the push output had the rest)\n`, {
        mode: 0o600,
      });
      return;
    }
    this.kept += bytes;
    appendFileSync(file, text, { mode: 0o600 });
  }
}
