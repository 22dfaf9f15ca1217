import { Writable } from 'node:stream';

/**
 * Splits Docker's multiplexed attach/exec stream (8-byte headers: stream type, 3 zero bytes,
 * big-endian length) into stdout and stderr, byte for byte, and waits for a slow reader: a
 * database dump is never held in memory. Pure stream logic, no Docker calls.
 */
export class DockerDemux extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly out: Writable,
    private readonly err: Writable,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let waitFor: Writable | undefined;
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      const target = this.pending[0] === 2 ? this.err : this.out;
      const payload = this.pending.subarray(8, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      if (payload.length > 0 && !target.write(payload)) waitFor = target;
    }
    if (!waitFor || waitFor.writableEnded || waitFor.destroyed) {
      callback();
      return;
    }
    waitFor.once('drain', () => callback());
  }
}
