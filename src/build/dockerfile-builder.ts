// Longer than 300 lines: the Dockerfile build and the decoding of the Engine's build errors that the buildpack image builds share with it.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { UserError, oneLine } from '../core/errors.js';
import { printable } from '../core/names.js';
import { contextPath, contextStream, readTarEntries } from './build-context.js';
import { parseDockerIgnore } from './dockerignore.js';
import { buildApiParams, type BuildOverrides } from '../docker-options/build-overrides.js';

export interface DockerfileBuildOptions {
  /** The pushed code as a tar file (`git archive --format=tar REV`). */
  tarPath: string;
  /** Name the image gets, e.g. `paas/blog:7`. */
  tag: string;
  /** Path of the Dockerfile inside the code. Default `Dockerfile`. */
  dockerfile?: string;
  /** Build from this folder of the code (monorepos); the Dockerfile path is relative to it. */
  subdir?: string;
  buildArgs?: Record<string, string>;
  /** Build args passed only to a Dockerfile that declares them (`ARG GIT_REV`): no "not consumed" warning otherwise. */
  declaredArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** The network RUN steps use (default: Docker's bridge). */
  network?: string;
  /** The app's build-phase docker options: their build args win over the others, their network over `network`. */
  overrides?: BuildOverrides;
  /** Each line of build output as it arrives, without its newline. */
  onLine: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuiltImage {
  /** `sha256:…` */
  imageId: string;
  /** The image's EXPOSEd TCP ports, ascending. */
  exposedPorts: number[];
}

/** The `Step N/M : INSTRUCTION` the classic builder is running. */
export interface BuildStep {
  index: number;
  total: number;
  instruction: string;
}

/** The Dockerfile build failed for a reason in the user's code: one line naming the step. */
export class BuildFailedError extends UserError {
  constructor(
    readonly reason: string,
    readonly step?: BuildStep,
  ) {
    super(buildFailureMessage(reason, step));
    this.name = 'BuildFailedError';
  }
}

export function buildFailureMessage(reason: string, step?: BuildStep): string {
  const where = step ? ` at step ${step.index}/${step.total} (${shortInstruction(step.instruction)})` : '';
  return oneLine(`build failed${where}: ${reason || 'the Docker Engine gave no reason'}`);
}

function shortInstruction(instruction: string, max = 80): string {
  const flat = oneLine(instruction).replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/**
 * Builds the image from the Dockerfile in the pushed code with the classic builder, streaming
 * its output line by line. Throws BuildFailedError when the Dockerfile or a step fails.
 */
export async function buildDockerfileImage(docker: Docker, options: DockerfileBuildOptions): Promise<BuiltImage> {
  const dockerfile = contextPath(options.dockerfile ?? 'Dockerfile', 'dockerfile path');
  const subdir = options.subdir ? contextPath(options.subdir, 'build directory') : '';
  const inSubdir = (path: string) => (subdir ? `${subdir}/${path}` : path);
  const files = await readTarEntries(options.tarPath, [inSubdir(dockerfile), inSubdir('.dockerignore')]);
  if (!files.has(inSubdir(dockerfile))) throw missingDockerfile(inSubdir(dockerfile));
  const declared = declaredArgs(files.get(inSubdir(dockerfile))!.toString('utf8'), options.declaredArgs ?? {});
  const ignoreFile = files.get(inSubdir('.dockerignore'));
  const ignore = ignoreFile ? parseDockerIgnore(ignoreFile.toString('utf8')) : undefined;
  options.signal?.throwIfAborted();

  const context = contextStream(options.tarPath, { ignore, dockerfile, subdir: subdir || undefined });
  let result: BuildOutcome;
  try {
    result = await classicBuild(docker, context, {
      buildOptions: {
        t: options.tag,
        dockerfile,
        buildargs: { ...options.buildArgs, ...declared, ...options.overrides?.buildArgs },
        labels: options.labels,
        ...(options.network ? { networkmode: options.network } : {}),
        ...(options.overrides ? buildApiParams(options.overrides, options.overrides.network) : {}),
      },
      onLine: options.onLine,
      signal: options.signal,
    });
  } catch (error) {
    throw error instanceof BuildRefused ? rejectedBuild(error.cause) : error;
  }
  if (result.error !== undefined) throw new BuildFailedError(result.error, result.step);
  if (result.imageId === undefined) {
    throw new BuildFailedError('the build ended without producing an image', result.step);
  }

  const image = await docker.getImage(result.imageId).inspect();
  return { imageId: image.Id, exposedPorts: exposedTcpPorts(image.Config?.ExposedPorts) };
}

/** The args of `offered` that the Dockerfile declares with an ARG instruction. Pure. */
export function declaredArgs(dockerfile: string, offered: Record<string, string>): Record<string, string> {
  const names = new Set([...dockerfile.matchAll(/^[ \t]*ARG[ \t]+([A-Za-z_][A-Za-z0-9_]*)/gim)].map((m) => m[1]));
  return Object.fromEntries(Object.entries(offered).filter(([name]) => names.has(name)));
}

/** The Engine refused the build before any step ran; `cause` is dockerode's error. */
export class BuildRefused extends Error {
  constructor(override readonly cause: unknown) {
    super(engineMessage(cause));
  }
}

/**
 * `docker build` with the classic builder: streams the output to `onLine` line by line and
 * reports what it produced. A failed step is `outcome.error` (the Engine answers 200 even then);
 * a build refused outright throws BuildRefused; an abort stops the build and throws.
 */
export async function classicBuild(
  docker: Docker,
  context: Readable,
  options: { buildOptions: Record<string, unknown>; onLine: (line: string) => void; signal?: AbortSignal },
): Promise<BuildOutcome> {
  let output: Readable;
  try {
    output = (await docker.buildImage(context, {
      ...options.buildOptions,
      rm: true,
      forcerm: true,
      version: '1',
      abortSignal: options.signal,
    })) as Readable;
  } catch (error) {
    context.destroy();
    options.signal?.throwIfAborted();
    throw new BuildRefused(error);
  }
  const progress = new BuildOutput(options.onLine);
  const onAbort = (): void => {
    output.destroy();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of output) progress.write(chunk as Buffer);
  } catch (error) {
    options.signal?.throwIfAborted();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    context.destroy();
  }
  options.signal?.throwIfAborted();
  return progress.end();
}

function missingDockerfile(dockerfile: string): UserError {
  const where = dockerfile === 'Dockerfile' ? 'at the repository root' : `at ${dockerfile}`;
  return new UserError(
    `no Dockerfile in the pushed code (looked for "${printable(dockerfile)}"); ` +
      `add a Dockerfile ${where}, or use buildpacks to build this app instead`,
  );
}

/**
 * The Engine refuses some builds before running any step (HTTP 400: Dockerfile parse errors,
 * bad options). Those are the user's to fix; anything else (socket down, 5xx) is not.
 */
function rejectedBuild(error: unknown): Error {
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new BuildFailedError(engineMessage(error));
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The Engine's own text from a dockerode error, without dockerode's `(HTTP code …)` prefix. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: unknown }).json;
  if (json && typeof json === 'object') {
    const message = (json as { message?: unknown }).message;
    if (typeof message === 'string' && message.trim() !== '') return message.trim();
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

/** Numbers of the `NNNN/tcp` keys of an image's `Config.ExposedPorts`, ascending. */
export function exposedTcpPorts(exposed: Record<string, unknown> | undefined | null): number[] {
  const ports = new Set<number>();
  for (const key of Object.keys(exposed ?? {})) {
    const match = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(key.trim());
    if (!match || (match[2] !== undefined && match[2].toLowerCase() !== 'tcp')) continue;
    const port = Number(match[1]);
    if (port > 0 && port < 65536) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

export interface BuildOutcome {
  imageId?: string;
  step?: BuildStep;
  error?: string;
}

const STEP_LINE = /^Step (\d+)\/(\d+) : (.*)$/;
const SUCCESS_LINE = /^Successfully built ([0-9a-f]{12,64})$/;

/**
 * Decodes the Engine's build progress: newline-delimited JSON objects, possibly split across
 * chunks. `stream` text becomes lines (partial lines wait for their end), `status` becomes a line
 * when it changes, `aux.ID` is the image, `error`/`errorDetail` is the failure. A line that is
 * not JSON is passed on as text rather than thrown.
 */
export class BuildOutput {
  private readonly decoder = new StringDecoder('utf8');
  private json = '';
  private text = '';
  private readonly lastStatus = new Map<string, string>();
  private readonly outcome: BuildOutcome = {};

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    this.json += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let newline = this.json.indexOf('\n');
    while (newline !== -1) {
      this.message(this.json.slice(0, newline));
      this.json = this.json.slice(newline + 1);
      newline = this.json.indexOf('\n');
    }
  }

  /** Flushes what is left and reports what the build produced. */
  end(): BuildOutcome {
    this.json += this.decoder.end();
    if (this.json.trim() !== '') this.message(this.json);
    this.json = '';
    this.flushText();
    return { ...this.outcome };
  }

  private message(raw: string): void {
    const line = raw.trim();
    if (line === '') return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      this.emit(line);
      return;
    }
    if (!event || typeof event !== 'object') {
      this.emit(line);
      return;
    }
    this.event(event as Record<string, unknown>);
  }

  private event(event: Record<string, unknown>): void {
    if (typeof event.stream === 'string') this.appendText(event.stream);
    if (typeof event.status === 'string') this.status(event.status, event.id);
    const aux = event.aux as { ID?: unknown } | undefined;
    if (aux && typeof aux.ID === 'string') this.outcome.imageId = aux.ID;
    const failure = errorText(event);
    if (failure !== undefined && this.outcome.error === undefined) {
      this.flushText();
      this.outcome.error = failure;
    }
  }

  private appendText(text: string): void {
    this.text += text;
    let newline = this.text.indexOf('\n');
    while (newline !== -1) {
      this.emit(this.text.slice(0, newline));
      this.text = this.text.slice(newline + 1);
      newline = this.text.indexOf('\n');
    }
  }

  private flushText(): void {
    if (this.text !== '') this.emit(this.text);
    this.text = '';
  }

  private status(status: string, id: unknown): void {
    const key = typeof id === 'string' ? id : '';
    if (this.lastStatus.get(key) === status) return; // progress-bar updates repeat the status
    this.lastStatus.set(key, status);
    this.flushText();
    this.emit(key ? `${key}: ${status}` : status);
  }

  private emit(raw: string): void {
    const line = raw.replace(/\r$/, '');
    const step = STEP_LINE.exec(line);
    if (step) this.outcome.step = { index: Number(step[1]), total: Number(step[2]), instruction: step[3] };
    const built = SUCCESS_LINE.exec(line);
    if (built && this.outcome.imageId === undefined) this.outcome.imageId = built[1];
    this.onLine(line);
  }
}

function errorText(event: Record<string, unknown>): string | undefined {
  const detail = event.errorDetail as { message?: unknown } | undefined;
  if (detail && typeof detail.message === 'string' && detail.message.trim() !== '') return detail.message.trim();
  if (typeof event.error === 'string') return event.error.trim();
  if (event.error !== undefined || event.errorDetail !== undefined) return 'unknown error';
  return undefined;
}
