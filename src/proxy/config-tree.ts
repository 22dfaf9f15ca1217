import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TREE, type NginxLayout } from './layout.js';

/** A rendered tree: path relative to the nginx prefix -> file content. */
export type Tree = Map<string, string>;

/** One file to change: new content, or undefined to delete it. */
export interface TreeChange {
  path: string;
  content: string | undefined;
}

const STAGED = '.new';

/** The files that differ between what should be and what is. Pure. */
export function diffTrees(desired: Tree, live: Tree): TreeChange[] {
  const changes: TreeChange[] = [];
  for (const [path, content] of desired) if (live.get(path) !== content) changes.push({ path, content });
  for (const path of live.keys()) if (!desired.has(path)) changes.push({ path, content: undefined });
  return changes;
}

/**
 * The config files on disk, changed the safe way: new content is written beside the live file
 * (`X.conf.new`, which the live `apps/*.conf` include does not match), checked as a whole tree,
 * and only then renamed over the live file; the old content is kept to put back.
 */
export class ConfigTree {
  constructor(readonly layout: NginxLayout) {}

  ensureDirs(): void {
    const { prefix, confDir, appsDir, certsDir, logsDir, tmpDir } = this.layout;
    for (const dir of [prefix, confDir, appsDir, certsDir, logsDir, tmpDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(tmpDir, name), { recursive: true });
  }

  /** The managed files as they are now (the control file is left out: it changes on every reload). */
  live(): Tree {
    const tree: Tree = new Map();
    for (const path of [TREE.main, TREE.defaults, TREE.dashboard]) {
      const content = this.read(path);
      if (content !== undefined) tree.set(path, content);
    }
    for (const name of existsSync(this.layout.appsDir) ? readdirSync(this.layout.appsDir).sort() : []) {
      if (!name.endsWith('.conf')) continue;
      const path = `apps/${name}`;
      const content = this.read(path);
      if (content !== undefined) tree.set(path, content);
    }
    return tree;
  }

  read(path: string): string | undefined {
    try {
      return readFileSync(this.absolute(path), 'utf8');
    } catch {
      return undefined;
    }
  }

  absolute(path: string): string {
    return join(this.layout.prefix, path);
  }

  /** Where nginx -t should read a file of the candidate tree: the staged copy when it changes. */
  candidatePath(path: string, changes: readonly TreeChange[]): string {
    const changed = changes.find((change) => change.path === path);
    return this.absolute(changed?.content !== undefined ? `${path}${STAGED}` : path);
  }

  stage(changes: readonly TreeChange[]): void {
    for (const { path, content } of changes) {
      if (content === undefined) continue;
      mkdirSync(dirname(this.absolute(path)), { recursive: true });
      writeFileSync(this.absolute(`${path}${STAGED}`), content);
    }
  }

  discard(changes: readonly TreeChange[]): void {
    for (const { path } of changes) rmSync(this.absolute(`${path}${STAGED}`), { force: true });
  }

  /** Moves the staged files in (each rename is atomic) and deletes removed ones; returns what was there. */
  swap(changes: readonly TreeChange[]): TreeChange[] {
    const backup: TreeChange[] = [];
    for (const { path, content } of changes) {
      backup.push({ path, content: this.read(path) });
      if (content === undefined) rmSync(this.absolute(path), { force: true });
      else renameSync(this.absolute(`${path}${STAGED}`), this.absolute(path));
    }
    return backup;
  }

  /** Puts back what swap returned, the same safe way. */
  restore(backup: readonly TreeChange[]): void {
    this.stage(backup);
    this.swap(backup);
  }

  writeCheckConfig(content: string): string {
    writeFileSync(this.layout.checkConf, content);
    return this.layout.checkConf;
  }
}
