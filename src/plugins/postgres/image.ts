import { join } from 'node:path';
import type Docker from 'dockerode';
import { ensureStackImages } from '../../build/buildpacks/stack.js';
import { STACK_IMAGES } from '../../build/buildpacks/stack-definition.js';
import { withHostLock } from '../../build/buildpacks/host-lock.js';
import { buildFromContext, memoryContext } from '../../build/buildpacks/image-build.js';
import { UserError } from '../../core/errors.js';
import { BUILDABLE_VERSION, BUILT_IMAGE, IMAGE_HASH_LABEL, OFFICIAL_IMAGE, imageFiles, imageHash } from './image-definition.js';

const PULL_TIMEOUT_MS = 20_000;
const LOCK_NAME = 'postgres-image.lock';

export interface ImageChoice {
  /** --image, default postgres */
  image?: string;
  /** --image-version, default 15 */
  version?: string;
}

export const DEFAULT_VERSION = BUILDABLE_VERSION;

/**
 * The image a new service runs, with its tag. The official image when this server has it or can
 * pull it; otherwise (postgres 15 only) paas/postgres:15, built here once from the stack and
 * Debian's packages and reused after. Progress goes to `log` as it happens.
 */
export async function preparePostgresImage(
  docker: Docker,
  choice: ImageChoice,
  log: (line: string) => void,
  lockDir: string,
): Promise<string> {
  const image = choice.image ?? OFFICIAL_IMAGE;
  const version = choice.version ?? DEFAULT_VERSION;
  const wanted = `${image}:${version}`;
  const buildable = image === OFFICIAL_IMAGE && version === BUILDABLE_VERSION;
  if (await imageExists(docker, wanted)) return wanted;
  if (buildable && (await builtImageCurrent(docker))) return BUILT_IMAGE;
  const pullError = await pull(docker, wanted, log);
  if (pullError === undefined) return wanted;
  if (!buildable) {
    throw new UserError(
      `cannot pull ${wanted} (${pullError}) and this server does not have it; ` +
        `without a registry paas can make postgres ${BUILDABLE_VERSION} only: leave out --image and --image-version`,
    );
  }
  log(`Cannot pull ${wanted} (${pullError}); making ${BUILT_IMAGE} from Debian's postgresql-${BUILDABLE_VERSION} instead (once per server)`);
  return ensureBuiltImage(docker, log, lockDir);
}

let pending: Promise<string> | undefined;
const listeners = new Set<(line: string) => void>();

/** paas/postgres:15, built when missing or out of date; concurrent callers share one build. */
export function ensureBuiltImage(docker: Docker, log: (line: string) => void, lockDir: string): Promise<string> {
  listeners.add(log);
  pending ??= build(docker, lockDir, (line) => listeners.forEach((listener) => listener(line))).finally(() => {
    pending = undefined;
  });
  return pending.finally(() => listeners.delete(log));
}

async function build(docker: Docker, lockDir: string, emit: (line: string) => void): Promise<string> {
  return withHostLock(
    join(lockDir, LOCK_NAME),
    async () => {
      if (await builtImageCurrent(docker)) return BUILT_IMAGE;
      const started = Date.now();
      const stack = await ensureStackImages(docker, emit, lockDir);
      emit(`Building ${BUILT_IMAGE} from ${stack.run}`);
      await buildFromContext(docker, memoryContext(imageFiles(stack.run)), {
        tag: BUILT_IMAGE,
        labels: { [IMAGE_HASH_LABEL]: imageHash(stack.run) },
        onLine: emit,
      });
      emit(`${BUILT_IMAGE} ready in ${Math.round((Date.now() - started) / 1000)} s`);
      return BUILT_IMAGE;
    },
    (pid) => emit(`Waiting for process ${pid}, which is building ${BUILT_IMAGE}`),
  );
}

async function builtImageCurrent(docker: Docker): Promise<boolean> {
  try {
    const info = await docker.getImage(BUILT_IMAGE).inspect();
    // The hash covers the Dockerfile (which names the stack's run image) and the entrypoint.
    return info.Config?.Labels?.[IMAGE_HASH_LABEL] === imageHash(STACK_IMAGES.run);
  } catch {
    return false;
  }
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Pulls with a short timeout: undefined on success, else why it failed. */
async function pull(docker: Docker, ref: string, log: (line: string) => void): Promise<string | undefined> {
  log(`Pulling ${ref}`);
  try {
    const stream = await docker.pull(ref, { abortSignal: AbortSignal.timeout(PULL_TIMEOUT_MS) });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (error: Error | null, events: Array<{ error?: string }>) => {
          const failed = error ?? events.find((event) => event.error)?.error;
          if (failed) reject(failed instanceof Error ? failed : new Error(failed));
          else resolve();
        },
        (event: { status?: string; id?: string; progress?: string }) => {
          if (event.status && !event.progress) log(`${event.id ? `${event.id}: ` : ''}${event.status}`);
        },
      ),
    );
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /abort|timeout/i.test(message) ? `no answer within ${PULL_TIMEOUT_MS / 1000} s` : message.split('\n')[0]!.trim();
  }
}
