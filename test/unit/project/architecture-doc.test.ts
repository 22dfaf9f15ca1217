import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const doc = readFileSync(new URL('docs/architecture.md', root), 'utf8');
const source = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** `name` in `src/file.ts`, `name` (`src/file.ts`): a function or Class.method said to live in that file. */
const NAMED_IN = /`([A-Za-z_][\w.]*)`(?: \(| in )`(src\/[\w./-]+\.ts)`/g;

/** A top-level declaration of `name`, or a method or property of that name in a class or object. */
const definition = (name: string) =>
  new RegExp(
    `(?:\\b(?:function|class|interface|type|const|let)\\s+${name}\\b)|(?:^\\s+(?:(?:private|public|readonly|static|async)\\s+)*${name}\\s*[(<:=])`,
    'm',
  );

describe('docs/architecture.md', () => {
  it('names only files and folders that exist', () => {
    const paths = [...doc.matchAll(/`(src\/[\w./-]+|docs\/[\w./-]+|test\/[\w./-]+)`/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(30);
    expect(paths.filter((path) => !existsSync(new URL(path, root)))).toEqual([]);
  });

  it('names functions, classes and methods where they are defined', () => {
    const claims = [...doc.matchAll(NAMED_IN)].map((m) => ({ name: m[1]!, file: m[2]! }));
    expect(claims.length).toBeGreaterThan(20);
    const missing = claims.filter(({ name, file }) => {
      const text = source(file);
      return !name.split('.').every((part) => definition(part).test(text));
    });
    expect(missing).toEqual([]);
  });

  it('lists every event of the event bus', () => {
    const events = [...source('src/core/events.ts').matchAll(/^ {2}'?([a-z][a-z-]*)'?: \{/gm)].map((m) => m[1]!);
    expect(events.length).toBeGreaterThan(8);
    expect(events.filter((event) => !doc.includes(`| \`${event}\` |`))).toEqual([]);
  });
});
