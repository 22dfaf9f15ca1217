import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { cycles, importGraph } from '../../../scripts/check-cycles.mjs';

const sources: Record<string, string> = {
  '/src/a.ts': "import { b } from './b.js';\n",
  '/src/b.ts': "import type {\n  C,\n} from './sub/c.js';\n",
  '/src/sub/c.ts': "export { a } from '../a.js';\nimport x from 'node:fs';\n",
  '/src/d.ts': "import { a } from '../a.js';\n",
};

describe('check-cycles', () => {
  it('follows value, type and re-export imports, and reports the cycle once', () => {
    const graph = importGraph(Object.keys(sources), (file: string) => sources[file]);
    expect(graph.get('/src/b.ts')).toEqual(['/src/sub/c.ts']);
    expect(cycles(graph)).toEqual([['/src/a.ts', '/src/b.ts', '/src/sub/c.ts']]);
  });

  it('finds none in a tree without cycles', () => {
    const acyclic: Record<string, string> = { ...sources, '/src/sub/c.ts': "import x from 'node:fs';\n" };
    expect(cycles(importGraph(Object.keys(acyclic), (file: string) => acyclic[file]))).toEqual([]);
  });
});
