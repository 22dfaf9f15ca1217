import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { formatSize } from '../core/sizes.js';
import { treeSize } from '../maintenance/disk-usage.js';
import { git } from './run-git.js';

export interface CappedFetch {
  /** The app's bare repository, which gets the refs (and their objects) once all is fetched. */
  repo: string;
  remote: string;
  /** `+SRC:DST` refspecs; DST is where the refs land in `repo`. */
  refspecs: readonly string[];
  /** What git needs besides GIT_DIR (allowed protocols, no prompts, ssh options). */
  env: NodeJS.ProcessEnv;
  /** `-c` options for the remote fetch (the pinned address of a remote caller's host). */
  config?: readonly string[];
  tmpDir: string;
  /** PAAS_MAX_PUSH_SIZE: what a push may bring, and so what a fetch may. */
  maxBytes: number;
  /** The URL as the user gave it, for messages. */
  shown: string;
  pollMs?: number;
}

/**
 * git:sync's fetch within the push size cap. git has no limit on what a fetch receives (a push
 * has receive.maxInputSize), so the fetch goes into a staging repository that borrows the app's
 * objects (only what is new is fetched) and is watched while it runs: above the cap the fetch is
 * killed and the staging folder removed, and the app's repository never saw a byte of it.
 * Within the cap, the refs and their new objects are fetched from the staging repository, locally.
 */
export async function fetchCapped(options: CappedFetch): Promise<void> {
  mkdirSync(options.tmpDir, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(options.tmpDir, 'sync-'));
  try {
    await git(['init', '--bare', '--quiet', '--template=', staging]);
    mkdirSync(join(staging, 'objects', 'info'), { recursive: true });
    writeFileSync(join(staging, 'objects', 'info', 'alternates'), `${join(options.repo, 'objects')}\n`);
    await watchedFetch(staging, options);
    await git(
      ['fetch', '--quiet', '--no-tags', '--', staging, ...options.refspecs.map((spec) => `+${destination(spec)}:${destination(spec)}`)],
      {
        env: { GIT_DIR: options.repo },
      },
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The `DST` of `+SRC:DST`. Pure. */
function destination(refspec: string): string {
  return refspec.slice(refspec.indexOf(':') + 1);
}

/** Runs the fetch into `staging`, killing it (its whole process group) once its objects pass the cap. */
async function watchedFetch(staging: string, options: CappedFetch): Promise<void> {
  const child = spawn('git', [...(options.config ?? []), 'fetch', '--quiet', '--no-tags', '--', options.remote, ...options.refspecs], {
    env: { ...process.env, ...options.env, GIT_DIR: staging },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: index-pack and the transport helpers go with it.
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString();
  });
  const objects = join(staging, 'objects');
  const size = () => {
    try {
      return treeSize(objects);
    } catch {
      return 0; // a file moved while it was counted: the next look sees it
    }
  };
  let tooBig = false;
  const timer = setInterval(() => {
    if (tooBig || size() <= options.maxBytes) return;
    tooBig = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, options.pollMs ?? 200);
  let code: number | null;
  try {
    [code] = (await once(child, 'close')) as [number | null];
  } finally {
    clearInterval(timer);
  }
  if (tooBig || size() > options.maxBytes) {
    throw new UserError(
      `${printable(options.shown)} is bigger than ${formatSize(options.maxBytes)} (PAAS_MAX_PUSH_SIZE, the cap of a push); ` +
        'the fetch was stopped and nothing of it kept',
    );
  }
  if (code !== 0) throw new Error(`git fetch failed: ${stderr.trim()}`);
}
