import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ServerChannel } from 'ssh2';

/**
 * A writable for a command's output that never ends the channel (the exit status must go out
 * first), respects the SSH window, drops output once the client is gone, and adds the carriage
 * returns a terminal in raw mode needs when the client asked for a PTY.
 */
export function channelWriter(target: Writable, { pty, gone }: { pty: boolean; gone: AbortSignal }): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (gone.aborted) return callback();
      if (target.write(pty ? toCrlf(chunk) : chunk)) return callback();
      const resume = () => {
        target.off('drain', resume);
        gone.removeEventListener('abort', resume);
        callback();
      };
      target.on('drain', resume);
      gone.addEventListener('abort', resume);
    },
  });
}

/** Waits until everything written to a channelWriter was handed to the channel. */
export async function drain(writer: Writable): Promise<void> {
  if (!writer.writableEnded) writer.end();
  await finished(writer).catch(() => {});
}

/** "\n" -> "\r\n" (bytes, so UTF-8 split across chunks is untouched); an existing "\r\n" stays. */
export function toCrlf(chunk: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i];
    if (byte === 0x0a && (i === 0 || chunk[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(byte);
  }
  return out.length === chunk.length ? chunk : Buffer.from(out);
}

/**
 * A terminal's input goes, from its first byte, to whichever reader comes first: a command
 * reading stdin gets lines (see terminalInput); a program attached to the terminal (psql, a
 * shell) gets the raw bytes. What was typed before either asked is kept for it.
 */
export function terminalRouter(channel: ServerChannel, interrupted: AbortController): { lines: Readable; raw(): Readable } {
  const pending: Buffer[] = [];
  let ended = false;
  let sink: Writable | undefined;
  channel.on('data', (chunk: Buffer) => {
    if (sink) return void sink.write(chunk);
    // Nobody reads yet: ^C still cancels the command, as it would in line mode.
    if (chunk.includes(0x03)) interrupted.abort();
    pending.push(chunk);
  });
  channel.on('end', () => {
    ended = true;
    sink?.end();
  });
  const route = (to: Writable) => {
    if (sink) return;
    sink = to;
    for (const chunk of pending.splice(0)) to.write(chunk);
    if (ended) to.end();
  };
  const lineInput = terminalInput(interrupted);
  const lines = new Readable({
    read() {
      route(lineInput);
    },
  });
  lineInput.on('data', (chunk: Buffer) => lines.push(chunk));
  lineInput.on('end', () => lines.push(null));
  return {
    lines,
    raw() {
      const raw = new PassThrough();
      route(raw);
      return raw;
    },
  };
}

/**
 * Input from a client in raw terminal mode (ssh -t): ^C cancels the command, ^D ends the
 * input, Enter ("\r") becomes "\n". Without a PTY these arrive as signals and EOF instead.
 */
function terminalInput(interrupted: AbortController): Transform {
  let ended = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (ended) return callback();
      const out: number[] = [];
      for (const byte of chunk) {
        if (byte === 0x03) interrupted.abort();
        if (byte === 0x03 || byte === 0x04) {
          ended = true;
          this.push(Buffer.from(out));
          this.push(null);
          return callback();
        }
        out.push(byte === 0x0d ? 0x0a : byte);
      }
      callback(null, Buffer.from(out));
    },
  });
}
