import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../core/errors.js';
import { formatSize } from '../core/sizes.js';
import { git } from './run-git.js';

const run = promisify(execFile);

/** Where git finds a revision's objects: the push quarantine (if any), its alternates, the repository. Pure. */
export function objectDirectories(gitEnv: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (gitEnv.GIT_OBJECT_DIRECTORY) dirs.push(gitEnv.GIT_OBJECT_DIRECTORY);
  for (const dir of (gitEnv.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? '').split(':')) if (dir) dirs.push(dir);
  if (gitEnv.GIT_DIR) dirs.push(join(gitEnv.GIT_DIR, 'objects'));
  return [...new Set(dirs)];
}

/**
 * git:set keep-git-dir true: adds a `.git` folder to the build's source tar, a clone of the app's
 * repository at `rev` on `branch` (history included, nothing checked out: the tar has the files),
 * so the build and the app can run git commands as on Dokku. The objects are copied from the
 * repository (or the push quarantine) into one pack; the tar stays within `maxBytes`.
 */
export async function appendGitDir(
  tarPath: string,
  options: { rev: string; branch: string; gitEnv: NodeJS.ProcessEnv; tmpDir: string; maxBytes: number },
): Promise<void> {
  const dir = mkdtempSync(join(options.tmpDir, 'git-dir-'));
  try {
    const at = { cwd: dir };
    await git(['init', '--quiet', '--template=', dir]);
    const info = join(dir, '.git', 'objects', 'info');
    mkdirSync(info, { recursive: true });
    writeFileSync(join(info, 'alternates'), `${objectDirectories(options.gitEnv).join('\n')}\n`);
    await git(['update-ref', `refs/heads/${options.branch}`, options.rev], at);
    await git(['symbolic-ref', 'HEAD', `refs/heads/${options.branch}`], at);
    // Without -l, repack copies the borrowed objects too: the clone then stands on its own.
    await git(['repack', '-a', '-d', '-q'], at);
    rmSync(join(info, 'alternates'));
    await git(['read-tree', options.rev], at);
    await run('tar', ['-C', dir, '-rf', tarPath, '--owner=0', '--group=0', '--numeric-owner', '--', '.git']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (statSync(tarPath).size > options.maxBytes) {
    throw new UserError(
      `the source tree with its .git folder is bigger than ${formatSize(options.maxBytes)}; ` +
        'turn keep-git-dir off (paas git:set APP keep-git-dir false), or raise PAAS_MAX_PUSH_SIZE',
    );
  }
}
