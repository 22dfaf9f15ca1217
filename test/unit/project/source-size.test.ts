import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 300;
const REASON = '// Longer than 300 lines: ';

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('source files', () => {
  it(`stay under ${MAX_LINES} lines, or say at their top why not`, () => {
    const src = new URL('../../../src', import.meta.url).pathname;
    const unexplained = sourceFiles(src).filter((file) => {
      const text = readFileSync(file, 'utf8');
      return text.split('\n').length > MAX_LINES + 1 && !text.startsWith(REASON);
    });
    expect(unexplained).toEqual([]);
  });
});
