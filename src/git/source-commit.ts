import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './run-git.js';

export interface SourceCommit {
  rev: string;
  /** false: the tree is the one the branch already has (nothing new to deploy). */
  changed: boolean;
  /** The branch's commit before, if it had one (for the ref update after the deploy). */
  parent: string | undefined;
}

/** Who the commits paas makes for git:from-image and git:from-archive are by (Dokku's default is Dokku). */
export const SOURCE_AUTHOR = { name: 'paas', email: 'automated@paas.local' } as const;

/**
 * Records a folder as a commit on top of `branch` in the app's bare repository, without moving
 * the branch: the deploy runs first, and the branch moves only when it succeeded (as a push).
 * A private index file is used, so nothing of the repository's own state changes.
 */
export async function commitFolder(
  repo: string,
  folder: string,
  options: { branch: string; message: string; tmpDir: string; author?: { name: string; email: string } },
): Promise<SourceCommit> {
  const index = join(options.tmpDir, `index-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const env = { GIT_DIR: repo, GIT_INDEX_FILE: index, GIT_WORK_TREE: folder };
  try {
    // -f: every file of the source counts, whatever a .gitignore in it says.
    await git(['add', '-A', '-f', '.'], { cwd: folder, env });
    const tree = (await git(['write-tree'], { env })).trim();
    const parent =
      (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${options.branch}^{commit}`], { env }).catch(() => '')).trim() ||
      undefined;
    if (parent && (await git(['rev-parse', `${parent}^{tree}`], { env })).trim() === tree) return { rev: parent, changed: false, parent };
    const author = options.author ?? SOURCE_AUTHOR;
    const who = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    const rev = (
      await git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', options.message], { env: { ...env, ...who } })
    ).trim();
    return { rev, changed: true, parent };
  } finally {
    rmSync(index, { force: true });
  }
}

/** Moves the branch to `rev`, only if it is still where it was (`old`; undefined: it must not exist). */
export async function moveBranch(repo: string, branch: string, rev: string, old: string | undefined): Promise<void> {
  await git(['update-ref', `refs/heads/${branch}`, rev, old ?? ''], { env: { GIT_DIR: repo } });
}
