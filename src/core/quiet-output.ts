import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

const HEADERS = ['=====> ', '-----> '];
const PROBE = Math.max(...HEADERS.map((h) => h.length));

/**
 * `--quiet`: passes a command's output through without its header and progress lines
 * (`=====> ...`, `-----> ...`), so only the values are left, as Dokku's --quiet does.
 */
export function quietWriter(target: Writable): { stream: Writable; close(): Promise<void> } {
  const decoder = new StringDecoder('utf8');
  let start = ''; // the first bytes of the current line, until they decide it
  let dropping: boolean | undefined; // undefined: not decided yet
  const decide = (): string => {
    if (dropping !== undefined) return '';
    const header = HEADERS.some((h) => start.startsWith(h));
    const undecided = !header && start.length < PROBE && HEADERS.some((h) => h.startsWith(start)) && !start.includes('\n');
    if (undecided) return '';
    dropping = header;
    return header ? '' : start;
  };
  const filter = (text: string): string => {
    let out = '';
    for (const char of text) {
      if (dropping === undefined) {
        start += char;
        out += decide();
        if (dropping !== undefined && char === '\n') reset();
        continue;
      }
      if (!dropping) out += char;
      if (char === '\n') reset();
    }
    return out;
  };
  const reset = () => {
    start = '';
    dropping = undefined;
  };
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const out = filter(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      if (out) target.write(out, callback);
      else callback();
    },
    final(callback) {
      // what is held back: a last line too short to tell
      if (dropping === undefined && start) target.write(start, () => callback());
      else callback();
    },
  });
  /** Resolves once everything written so far reached the target. */
  const close = () => new Promise<void>((resolve) => stream.end(() => resolve()));
  return { stream, close };
}
