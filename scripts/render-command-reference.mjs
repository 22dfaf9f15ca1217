#!/usr/bin/env node
// Rewrites the command reference in README.md from the command registry (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { offlineRegistry } from '../dist/cli/local-help.js';
import { renderCommandReference, replaceReference } from '../dist/core/command-reference.js';

const readmePath = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmePath, 'utf8');
writeFileSync(readmePath, replaceReference(readme, renderCommandReference(offlineRegistry().list())));
console.log('README.md command reference updated');
