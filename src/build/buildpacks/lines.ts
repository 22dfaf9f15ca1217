import { StringDecoder } from 'node:string_decoder';

/**
 * Output of a program cut into lines as it arrives: partial lines wait for their end, `\r\n` and
 * progress-bar `\r` rewrites end a line too, so a pusher sees each line once, as soon as it is whole.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    // A trailing \r may be the first half of \r\n: keep it until the next chunk says.
    const held = text.endsWith('\r') ? 1 : 0;
    const parts = text.slice(0, text.length - held).split(/\r?\n|\r/);
    this.rest = (parts.pop() ?? '') + (held ? '\r' : '');
    for (const line of parts) this.onLine(line);
  }

  end(): void {
    const last = (this.rest + this.decoder.end()).replace(/\r$/, '');
    if (last !== '') this.onLine(last);
    this.rest = '';
  }
}
