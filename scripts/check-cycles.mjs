#!/usr/bin/env node
// Fails when modules under src/ import each other in a cycle (type-only imports included: a
// cycle of types is still two modules that cannot be read, or moved, one without the other).
//
//   node scripts/check-cycles.mjs [src]
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** file -> the files of the same tree it imports */
export function importGraph(files, read) {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const targets = [...read(file).matchAll(IMPORT)]
        .map((match) => resolve(dirname(file), match[1].replace(/\.js$/, '.ts')))
        .filter((target) => known.has(target));
      return [file, targets];
    }),
  );
}

/** Strongly connected components with more than one member (Tarjan), each one import cycle. */
export function cycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.reverse());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(process.argv[2] ?? 'src');
  const found = cycles(importGraph(sourceFiles(root), (file) => readFileSync(file, 'utf8')));
  for (const component of found) {
    console.error(`import cycle: ${component.map((file) => relative(process.cwd(), file)).join(' -> ')}`);
  }
  if (found.length > 0) {
    console.error('Break it by moving what both sides need into a module that neither imports.');
    process.exit(1);
  }
  console.log(`No import cycles in ${relative(process.cwd(), root) || '.'}`);
}
