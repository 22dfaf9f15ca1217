import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Paths } from '../daemon/settings.js';
import { git } from './run-git.js';

export function repoPath(paths: Paths, app: string): string {
  return join(paths.repos, `${app}.git`);
}

const HOOK_PROGRAM = fileURLToPath(new URL('./pre-receive-hook.js', import.meta.url));

/** The pre-receive hook: hands the push to the daemon, which builds and deploys it. */
export function renderPreReceiveHook(nodePath: string, hookProgram: string): string {
  return `#!/bin/sh\n# Written by paas: hands the push to the paas daemon.\nexec ${shellQuote(nodePath)} ${shellQuote(hookProgram)}\n`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Creates the app's bare repository if missing, and (re)writes its hook for this paas build and
 * its push size cap (PAAS_MAX_PUSH_SIZE: git refuses a bigger pack before storing it).
 */
export async function ensureRepo(paths: Paths, app: string, maxPushSize: number): Promise<string> {
  const repo = repoPath(paths, app);
  if (!existsSync(join(repo, 'HEAD'))) {
    mkdirSync(paths.repos, { recursive: true, mode: 0o700 });
    await git(['init', '--bare', '--quiet', '--initial-branch=main', repo]);
    // A deploy runs inside the hook and can take minutes; keep the client's connection alive.
    await git(['config', 'receive.keepAlive', '5'], { cwd: repo });
  }
  await git(['config', 'receive.maxInputSize', String(maxPushSize)], { cwd: repo });
  // git:sync's working refs (deploy-sources-part.ts) are never shown to a push or a clone.
  await git(['config', 'transfer.hideRefs', 'refs/paas-sync'], { cwd: repo });
  writeFileSync(join(repo, 'hooks', 'pre-receive'), renderPreReceiveHook(process.execPath, HOOK_PROGRAM), {
    mode: 0o700,
  });
  return repo;
}

export function renameRepo(paths: Paths, oldName: string, newName: string): void {
  const from = repoPath(paths, oldName);
  if (existsSync(from)) renameSync(from, repoPath(paths, newName));
}

export function removeRepo(paths: Paths, app: string): void {
  rmSync(repoPath(paths, app), { recursive: true, force: true });
}

/** The commit a branch points at, or undefined when the repo has no such branch yet. */
export async function branchRevision(repo: string, branch: string): Promise<string | undefined> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { cwd: repo })).trim();
  } catch {
    return undefined;
  }
}
