/**
 * The wire format of a command's reply, shared by the CLI and the daemon: a stream of frames,
 * each `kind (1 byte) | length (4 bytes, big-endian) | payload`. Binary-safe, so a database
 * dump on stdout arrives byte for byte, and the exit code comes last.
 */
export enum FrameKind {
  Stdout = 1,
  Stderr = 2,
  Exit = 3,
}

export interface Frame {
  kind: FrameKind;
  payload: Buffer;
}

const HEADER = 5;

export function encodeFrame(kind: FrameKind, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(kind, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** Accumulates bytes and returns every complete frame. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.pending.length >= HEADER) {
      const length = this.pending.readUInt32BE(1);
      if (this.pending.length < HEADER + length) break;
      frames.push({
        kind: this.pending.readUInt8(0),
        payload: this.pending.subarray(HEADER, HEADER + length),
      });
      this.pending = this.pending.subarray(HEADER + length);
    }
    return frames;
  }
}

/** The request: one JSON line with the argv, then the caller's stdin bytes. */
export interface CommandRequest {
  argv: string[];
}

export const COMMAND_PATH = '/v1/commands';
export const COMMAND_CONTENT_TYPE = 'application/x-paas-command';
