import { join } from 'node:path';
import type Docker from 'dockerode';
import { ensureStackImages } from '../../build/buildpacks/stack.js';
import { STACK_IMAGES } from '../../build/buildpacks/stack-definition.js';
import { withHostLock } from '../../core/host-lock.js';
import { buildFromContext, memoryContext } from '../../build/buildpacks/image-build.js';
import { UserError } from '../../core/errors.js';
import type { ServiceDefinition } from './definition.js';
import { imageHash, imageHashLabel } from './image-hash.js';

const PULL_TIMEOUT_MS = 20_000;

export interface ImageChoice {
  /** --image, default the official image */
  image?: string;
  /** --image-version, default the definition's version */
  version?: string;
}

/**
 * The image a new service runs, with its tag. The official image when this server has it or can
 * pull it; otherwise (default version only) the definition's own image, built here once from the
 * stack and Debian's packages and reused after. Progress goes to `log` as it happens.
 */
export async function prepareServiceImage(
  docker: Docker,
  definition: ServiceDefinition,
  choice: ImageChoice,
  log: (line: string) => void,
  lockDir: string,
): Promise<string> {
  const { official, defaultVersion, built } = definition.image;
  const image = choice.image ?? official;
  const version = choice.version ?? defaultVersion;
  const wanted = `${image}:${version}`;
  const buildable = built !== undefined && image === official && version === defaultVersion;
  if (await imageExists(docker, wanted)) return wanted;
  if (buildable && (await builtImageCurrent(docker, definition))) return built.tag;
  const pullError = await pull(docker, wanted, log);
  if (pullError === undefined) return wanted;
  if (!buildable) {
    throw new UserError(
      `cannot pull ${wanted} (${pullError}) and this server does not have it` +
        (built
          ? `; without a registry paas can make ${definition.plugin} ${defaultVersion} only: leave out --image and --image-version`
          : ''),
    );
  }
  log(`Cannot pull ${wanted} (${pullError}); making ${built.tag} from Debian's packages instead (once per server)`);
  return ensureBuiltImage(docker, definition, log, lockDir);
}

const pending = new Map<string, Promise<string>>();
const listeners = new Map<string, Set<(line: string) => void>>();

/** The definition's built image, built when missing or out of date; concurrent callers share one build. */
export function ensureBuiltImage(
  docker: Docker,
  definition: ServiceDefinition,
  log: (line: string) => void,
  lockDir: string,
): Promise<string> {
  const { plugin } = definition;
  const mine = listeners.get(plugin) ?? new Set();
  listeners.set(plugin, mine);
  mine.add(log);
  let running = pending.get(plugin);
  if (!running) {
    running = build(docker, definition, lockDir, (line) => {
      for (const listener of mine) listener(line);
    }).finally(() => pending.delete(plugin));
    pending.set(plugin, running);
  }
  return running.finally(() => mine.delete(log));
}

async function build(docker: Docker, definition: ServiceDefinition, lockDir: string, emit: (line: string) => void): Promise<string> {
  const built = definition.image.built!;
  return withHostLock(
    join(lockDir, `${definition.plugin}-image.lock`),
    async () => {
      if (await builtImageCurrent(docker, definition)) return built.tag;
      const started = Date.now();
      const stack = await ensureStackImages(docker, emit, lockDir);
      emit(`Building ${built.tag} from ${stack.run}`);
      const files = built.files(stack.run);
      await buildFromContext(docker, memoryContext(files), {
        tag: built.tag,
        labels: { [imageHashLabel(definition.plugin)]: imageHash(files) },
        onLine: emit,
      });
      emit(`${built.tag} ready in ${Math.round((Date.now() - started) / 1000)} s`);
      return built.tag;
    },
    (pid) => emit(`Waiting for process ${pid}, which is building ${built.tag}`),
  );
}

async function builtImageCurrent(docker: Docker, definition: ServiceDefinition): Promise<boolean> {
  const built = definition.image.built!;
  try {
    const info = await docker.getImage(built.tag).inspect();
    // The hash covers the build context (whose Dockerfile names the stack's run image).
    return info.Config?.Labels?.[imageHashLabel(definition.plugin)] === imageHash(built.files(STACK_IMAGES.run));
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
    return /abort|timeout/i.test(message) ? `no answer within ${PULL_TIMEOUT_MS / 1000} s` : message.split('\n')[0].trim();
  }
}
