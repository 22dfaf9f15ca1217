import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { debianMirror } from './debian-mirror.js';
import { withHostLock } from '../../core/host-lock.js';
import { buildFromContext, importRootfs, memoryContext } from './image-build.js';
import { LineSplitter } from './lines.js';
import {
  STACK_IMAGES,
  STACK_LABELS,
  STACK_SUITE,
  stackDefinition,
  stackHashes,
  type StackDefinition,
  type StackRole,
} from './stack-definition.js';

export interface StackImages {
  /** What app containers run on. */
  run: string;
  /** What buildpacks compile in (the run image plus compilers and headers). */
  build: string;
}

/** The base image when a registry can be reached; without one, debootstrap makes it. */
const PULLED_BASE = `debian:${STACK_SUITE}-slim`;
const LOCK_NAME = 'stack.lock';

let pending: Promise<StackImages> | undefined;
const listeners = new Set<(line: string) => void>();

/**
 * The default stack images, made on this server the first time (a few minutes: debootstrap, then
 * apt) and reused after. They are shared by every paas daemon on the Docker Engine, so they carry
 * no instance id; a label with the hash of their definition makes a changed definition rebuild.
 * Concurrent callers share one preparation (in this process, and across processes by a lock).
 */
export function ensureStackImages(docker: Docker, onLine: (line: string) => void, lockDir: string): Promise<StackImages> {
  listeners.add(onLine);
  pending ??= prepare(docker, lockDir, (line) => {
    for (const listener of listeners) listener(line);
  }).finally(() => {
    pending = undefined;
  });
  return pending.finally(() => listeners.delete(onLine));
}

/** Whether the stack images exist and match the current definition, without making them. */
export async function stackImagesReady(docker: Docker): Promise<boolean> {
  const hashes = stackHashes(stackDefinition(debianMirror(STACK_SUITE)));
  for (const role of ['run', 'build'] as const) if (!(await isCurrent(docker, role, hashes[role]))) return false;
  return true;
}

async function prepare(docker: Docker, lockDir: string, emit: (line: string) => void): Promise<StackImages> {
  const definition = stackDefinition(debianMirror(STACK_SUITE));
  const hashes = stackHashes(definition);
  const images = { run: STACK_IMAGES.run, build: STACK_IMAGES.build };
  if ((await isCurrent(docker, 'run', hashes.run)) && (await isCurrent(docker, 'build', hashes.build))) return images;
  return withHostLock(
    join(lockDir, LOCK_NAME),
    async () => {
      const started = Date.now();
      let made = false;
      if (!(await isCurrent(docker, 'base', hashes.base))) {
        emit(`Making the stack base image ${STACK_IMAGES.base} (Debian ${STACK_SUITE}, once per server)`);
        await makeBase(docker, definition, hashes.base, emit);
        made = true;
      }
      if (!(await isCurrent(docker, 'run', hashes.run))) {
        emit(`Building the run stack ${STACK_IMAGES.run}: ${definition.run.dockerfile.split('\n')[0]}`);
        await buildStackImage(docker, 'run', definition.run, hashes.run, emit);
        made = true;
      }
      if (!(await isCurrent(docker, 'build', hashes.build))) {
        emit(`Building the build stack ${STACK_IMAGES.build} from ${STACK_IMAGES.run}`);
        await buildStackImage(docker, 'build', definition.build, hashes.build, emit);
        made = true;
      }
      if (made) emit(`Stack images ready in ${Math.round((Date.now() - started) / 1000)} s: ${images.run}, ${images.build}`);
      return images;
    },
    (pid) => emit(`Waiting for process ${pid}, which is preparing the stack images`),
  );
}

function stackLabels(role: StackRole, hash: string): Record<string, string> {
  const labels: Record<string, string> = { [STACK_LABELS.role]: role, [STACK_LABELS.hash]: hash };
  if (role === 'build') labels[STACK_LABELS.run] = STACK_IMAGES.run;
  return labels;
}

async function isCurrent(docker: Docker, role: StackRole, hash: string): Promise<boolean> {
  try {
    const image = await docker.getImage(STACK_IMAGES[role]).inspect();
    return image.Config?.Labels?.[STACK_LABELS.hash] === hash;
  } catch {
    return false;
  }
}

async function buildStackImage(
  docker: Docker,
  role: 'run' | 'build',
  part: StackDefinition['run'],
  hash: string,
  emit: (line: string) => void,
): Promise<void> {
  await buildFromContext(docker, memoryContext({ Dockerfile: part.dockerfile, ...part.files }), {
    tag: STACK_IMAGES[role],
    labels: stackLabels(role, hash),
    onLine: emit,
  });
}

/** `debian:bookworm-slim` when the Engine has it or can pull it; otherwise debootstrap + import. */
async function makeBase(docker: Docker, definition: StackDefinition, hash: string, emit: (line: string) => void): Promise<void> {
  if (await pullable(docker, emit)) {
    await buildFromContext(docker, memoryContext({ Dockerfile: `FROM ${PULLED_BASE}\n` }), {
      tag: STACK_IMAGES.base,
      labels: stackLabels('base', hash),
      onLine: emit,
    });
    return;
  }
  emit(`No registry reachable: bootstrapping Debian ${STACK_SUITE} from ${definition.mirror.main}`);
  const rootfs = mkdtempSync(join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'paas-stack-rootfs-'));
  try {
    await debootstrap(
      definition.base.args.map((arg) => (arg === 'ROOTFS' ? rootfs : arg)),
      rootfs,
      emit,
    );
    for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) removeFilesIn(join(rootfs, dir));
    emit(`Importing the root file system as ${STACK_IMAGES.base}`);
    const [repo, tag] = STACK_IMAGES.base.split(':') as [string, string];
    const tar = spawn('tar', ['--numeric-owner', '--one-file-system', '-C', rootfs, '-cf', '-', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = exitOf(tar, 'tar');
    await importRootfs(docker, tar.stdout, {
      repo,
      tag,
      changes: [...definition.base.changes, ...Object.entries(stackLabels('base', hash)).map(([k, v]) => `LABEL ${k}=${v}`)],
      onLine: emit,
    });
    await exited;
  } finally {
    removeRootfs(rootfs, emit);
  }
}

async function pullable(docker: Docker, emit: (line: string) => void): Promise<boolean> {
  try {
    await docker.getImage(PULLED_BASE).inspect();
    return true;
  } catch {
    // not here: try the registry
  }
  try {
    const stream = await docker.pull(PULLED_BASE, { abortSignal: AbortSignal.timeout(120_000) });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
        const failed = error ?? events.find((event) => event.error)?.error;
        if (failed) reject(failed instanceof Error ? failed : new Error(failed));
        else resolve();
      }),
    );
    emit(`Pulled ${PULLED_BASE}`);
    return true;
  } catch (error) {
    emit(`Cannot pull ${PULLED_BASE} (${firstLine(error)})`);
    return false;
  }
}

async function debootstrap(args: string[], rootfs: string, emit: (line: string) => void): Promise<void> {
  const child = spawn('debootstrap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = new LineSplitter(emit);
  child.stdout.on('data', (chunk: Buffer) => lines.write(chunk));
  child.stderr.on('data', (chunk: Buffer) => lines.write(chunk));
  try {
    await exitOf(child, 'debootstrap');
  } catch (error) {
    lines.end();
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'building the stack needs debootstrap (apt-get install debootstrap) and root; ' +
          'or pick a stack image that exists with: paas buildpacks:set-property --global stack IMAGE',
      );
    }
    const log = join(rootfs, 'debootstrap/debootstrap.log');
    if (existsSync(log)) for (const line of readFileSync(log, 'utf8').trimEnd().split('\n').slice(-15)) emit(line);
    throw error;
  }
  lines.end();
}

function exitOf(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${what} failed (${signal ? `signal ${signal}` : `exit code ${code}`})`));
    });
  });
}

function removeFilesIn(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name === 'partial' || name === 'lock') continue;
    rmSync(join(dir, name), { force: true });
  }
}

/**
 * Removes the bootstrapped tree, but never through something still mounted in it (a failed
 * debootstrap can leave /proc or a bind-mounted /dev behind).
 */
function removeRootfs(rootfs: string, emit: (line: string) => void): void {
  const mounts = mountPointsUnder(rootfs);
  for (const mount of mounts.sort((a, b) => b.length - a.length)) {
    spawnSync('umount', ['-l', mount], { stdio: 'ignore' });
  }
  if (mounts.length === 0 || mountPointsUnder(rootfs).length === 0) {
    rmSync(rootfs, { recursive: true, force: true });
  } else {
    emit(`warning: ${rootfs} still has mounts; left in place, remove it by hand after unmounting them`);
  }
}

function mountPointsUnder(dir: string): string[] {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .map((path) => path.replace(/\\040/g, ' '))
      .filter((path) => path === dir || path.startsWith(`${dir}/`));
  } catch {
    return [];
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}
