import { Writable } from 'node:stream';

/** Keeps the last `limit` bytes written to it: the end of a program's output, for a report or an error. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }

  /** A stream that keeps what is written to it here, and passes it on to `out` when given. */
  writer(out?: Writable): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.push(chunk);
        if (out && !out.destroyed) out.write(chunk, () => callback());
        else callback();
      },
    });
  }
}
