import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { UserError, oneLine } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import { gitHttpPin, gitSshPin, pinHost } from '../../core/pinned-host.js';
import { privateHostError } from './buildpack-policy.js';
import type { BuildpackSource } from './buildpack-url.js';
import { buildpacksRoot, findBuiltin } from './builtin.js';

/** A buildpack ready to go into the build container: a tar of its files, made on demand. */
export interface FetchedBuildpack {
  /** As the user wrote it. */
  url: string;
  /** What was used: `paas/nodejs`, `https://…#v3 (3f2a1c0)`, `/srv/bp`. */
  description: string;
  /** A tar of the buildpack's files (no prefix); `done` rejects if producing it failed. */
  archive(): { stream: Readable; done: Promise<void> };
}

export interface FetchOptions {
  /** `$PAAS_HOME/buildpacks-cache`: one mirror clone per git URL. */
  cacheDir: string;
  onLine: (line: string) => void;
  /** Whether git URLs may reach private and loopback addresses (checked after resolving the host). */
  allowPrivateUrls: boolean;
}

const GIT_TIMEOUT_MS = 300_000;
const GIT_ENV: NodeJS.ProcessEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ALLOW_PROTOCOL: 'file',
  GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
};

/** How git reaches one remote: only its own transport, at the address that was checked. */
interface GitReach {
  env: NodeJS.ProcessEnv;
  /** `-c` settings before the git subcommand. */
  config: string[];
}

const LOCAL_REACH: GitReach = { env: GIT_ENV, config: [] };

/** Gets a buildpack from where its URL points: the repository's built-ins, a folder, or git. */
export async function fetchBuildpack(source: BuildpackSource, options: FetchOptions): Promise<FetchedBuildpack> {
  if (source.kind === 'builtin') {
    const builtin = findBuiltin(source.id)!;
    return directoryBuildpack(source.url, source.id, join(buildpacksRoot(), builtin.dir));
  }
  if (source.kind === 'local') {
    if (!existsSync(source.path) || !statSync(source.path).isDirectory()) {
      throw new UserError(`buildpack ${printable(source.url)}: no such folder on the server`);
    }
    if (isGitRepository(source.path)) return gitBuildpack(source.url, source.path, source.ref, options, LOCAL_REACH);
    if (source.ref) throw new UserError(`buildpack ${printable(source.url)}: "#${source.ref}" needs a git repository there`);
    return directoryBuildpack(source.url, source.path, source.path);
  }
  return gitBuildpack(source.url, source.remote, source.ref, options, await networkReach(source, options.allowPrivateUrls));
}

/**
 * Resolves the host once, refuses private and loopback addresses unless allowed, and pins git to
 * the addresses that were checked (core/pinned-host.ts), to the URL's own transport only, and,
 * over http(s), to no redirects.
 */
async function networkReach(source: Extract<BuildpackSource, { kind: 'git' }>, allowPrivateUrls: boolean): Promise<GitReach> {
  const outcome = await pinHost(source.host, allowPrivateUrls);
  if ('refused' in outcome) {
    if (outcome.refused === 'private') throw privateHostError(source.url, source.host, outcome.address);
    throw new UserError(`could not clone buildpack ${printable(source.url)}: cannot resolve ${printable(source.host)} (${outcome.code})`);
  }
  const env: NodeJS.ProcessEnv = { ...GIT_ENV, GIT_ALLOW_PROTOCOL: source.transport };
  const config: string[] = [];
  if (source.transport === 'https' || source.transport === 'http') {
    config.push(...gitHttpPin(outcome.pin, source.port ?? (source.transport === 'https' ? 443 : 80)));
  } else if (source.transport === 'ssh') {
    env.GIT_SSH_COMMAND = gitSshPin(outcome.pin);
  }
  return { env, config };
}

function directoryBuildpack(url: string, description: string, dir: string): FetchedBuildpack {
  if (!existsSync(join(dir, 'bin', 'compile'))) {
    throw new UserError(`buildpack ${printable(url)} has no bin/compile; a buildpack needs bin/detect, bin/compile and bin/release`);
  }
  return {
    url,
    description,
    archive: () => spawnTar('tar', ['--exclude=./.git', '-C', dir, '-cf', '-', '.']),
  };
}

async function gitBuildpack(
  url: string,
  remote: string,
  ref: string | undefined,
  options: FetchOptions,
  reach: GitReach,
): Promise<FetchedBuildpack> {
  const mirror = await updatedMirror(url, remote, options, reach);
  const wanted = ref ?? 'HEAD';
  let commit: string;
  try {
    commit = (await runGit(['rev-parse', '--verify', '--quiet', `${wanted}^{commit}`], mirror)).trim();
  } catch {
    throw new UserError(`buildpack ${printable(url)}: no branch, tag or commit "${printable(wanted)}" in ${printable(remote)}`);
  }
  try {
    await runGit(['cat-file', '-e', `${commit}:bin/compile`], mirror);
  } catch {
    throw new UserError(
      `buildpack ${printable(url)} has no bin/compile at ${commit.slice(0, 7)}; a buildpack needs bin/detect, bin/compile and bin/release`,
    );
  }
  return {
    url,
    description: `${url} (${commit.slice(0, 7)})`,
    archive: () => spawnTar('git', ['-C', mirror, 'archive', '--format=tar', commit]),
  };
}

/** A mirror clone of the remote in the cache, fetched again each build; a cached copy outlives an unreachable remote. */
async function updatedMirror(url: string, remote: string, options: FetchOptions, reach: GitReach): Promise<string> {
  mkdirSync(options.cacheDir, { recursive: true });
  const dir = join(options.cacheDir, `${createHash('sha256').update(remote).digest('hex').slice(0, 20)}.git`);
  if (existsSync(dir)) {
    try {
      await runGit([...reach.config, 'fetch', '--quiet', '--prune', '--force', 'origin'], dir, reach.env);
    } catch (error) {
      options.onLine(`warning: could not update ${url} (${gitReason(error)}); using the cached copy`);
    }
    return dir;
  }
  options.onLine(`Cloning ${url}`);
  const partial = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await runGit([...reach.config, 'clone', '--quiet', '--mirror', '--', remote, partial], undefined, reach.env);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw new UserError(`could not clone buildpack ${printable(url)}: ${gitReason(error)}`);
  }
  try {
    renameSync(partial, dir);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another build cloned it meanwhile
  }
  return dir;
}

function isGitRepository(path: string): boolean {
  return existsSync(join(path, '.git')) || (existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects')));
}

function runGit(args: readonly string[], cwd?: string, env: NodeJS.ProcessEnv = GIT_ENV): Promise<string> {
  const argv = cwd ? ['-C', cwd, ...args] : [...args];
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      argv,
      { env: { ...process.env, ...env }, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stderr }));
        else resolve(stdout);
      },
    );
  });
}

function gitReason(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  const lines = (stderr || (error instanceof Error ? error.message : String(error))).split('\n').filter((l) => l.trim());
  return oneLine(lines.slice(-2).join(' ')).replace(/^fatal:\s*/, '');
}

/** A child's stdout as a stream; `done` rejects when it exits non-zero. */
function spawnTar(command: string, args: readonly string[]): { stream: Readable; done: Promise<void> } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...GIT_ENV } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed: ${oneLine(stderr) || `exit code ${code}`}`)),
    );
  });
  return { stream: child.stdout, done };
}
