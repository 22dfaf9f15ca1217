import { describe, expect, it } from 'vitest';
import { parseRefUpdates } from '../../../src/git/git-part.js';

describe('parseRefUpdates', () => {
  it("reads pre-receive's OLD NEW REF lines and skips anything else", () => {
    const zero = '0'.repeat(40);
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const text = `${zero} ${a} refs/heads/main\n\n  ${a}   ${b}  refs/tags/v1 \ngarbage line\n`;
    expect(parseRefUpdates(text)).toEqual([
      { oldRev: zero, newRev: a, ref: 'refs/heads/main' },
      { oldRev: a, newRev: b, ref: 'refs/tags/v1' },
    ]);
  });
});
