import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';
import { buildpacksRoot } from './builtin.js';
import { buildFromContext } from './image-build.js';
import type { ReleaseInfo } from './release-yaml.js';
import { APP_UID } from './stack-definition.js';

export interface AppImageOptions {
  /** The run stack the app image is made FROM. */
  runImage: string;
  /** getArchive of the build dir: entries under one top folder (`build/…`). */
  slug: Readable;
  release: ReleaseInfo;
  tag: string;
  labels: Record<string, string>;
  onLine: (line: string) => void;
  signal: AbortSignal;
}

export interface AppImage {
  imageId: string;
  /** The Procfile the build left in the app, if any. */
  procfile?: string;
}

/** Top-level folders of the app that hold its installed dependencies; they get their own layer. */
export const DEPENDENCY_DIRS: readonly string[] = ['.venv', 'node_modules'];

/**
 * Where a slug entry goes in the app image's build context: `build/x` → `app/x`, and what is
 * under a dependency folder → `deps/…`; undefined for the archive's top folder itself. Pure.
 */
export function contextNameFor(slugEntry: string): string | undefined {
  const parts = slugEntry
    .replace(/^\.?\//, '')
    .split('/')
    .filter(Boolean)
    .slice(1);
  if (parts.length === 0) return undefined;
  return `${DEPENDENCY_DIRS.includes(parts[0]) ? 'deps' : 'app'}/${parts.join('/')}`;
}

/**
 * The app image: the compiled app at /app on the run stack (not the build stack), owned by the
 * unprivileged user it runs as, with the launcher as ENTRYPOINT. Pure.
 */
export function appDockerfile(runImage: string, labels: Record<string, string> = {}): string {
  // The app comes last: every step before it is the same from build to build, so Docker's
  // build cache keeps them. Dependencies (restored unchanged from the build cache) are a layer
  // of their own, which the next build reuses and the releases share.
  return `FROM ${runImage}
${labelInstruction(labels)}COPY start /start
ENV HOME=/app PORT=5000
WORKDIR /app
USER ${APP_UID}:${APP_UID}
ENTRYPOINT ["/start"]
COPY paas/ /etc/paas/
COPY --chown=${APP_UID}:${APP_UID} deps/ /app/
COPY --chown=${APP_UID}:${APP_UID} app/ /app/
`;
}

/**
 * All labels in one LABEL instruction (one build step, cached with the steps after it) rather
 * than the build's `labels` option, which costs a step per label on every build. Pure.
 */
function labelInstruction(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${dockerfileString(key)}=${dockerfileString(value)}`);
  return pairs.length ? `LABEL ${pairs.join(' ')}\n` : '';
}

/** A double-quoted Dockerfile word: no variable expansion, no line breaks. */
function dockerfileString(value: string): string {
  return JSON.stringify(value.replace(/[\r\n]/g, ' ')).replace(/\$/g, '\\$');
}

/** The release's default process types in the Procfile format, for the launcher. Pure. */
export function processTypesFile(types: Record<string, string>): string {
  return Object.entries(types)
    .filter(([type, command]) => /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(type) && !/[\r\n]/.test(command))
    .map(([type, command]) => `${type}: ${command}\n`)
    .join('');
}

/**
 * The release's config_vars as a profile script. They are defaults, as on Heroku: a config var
 * the app sets wins (herokuish exports them unconditionally). Pure.
 */
export function releaseDefaultsScript(vars: Record<string, string>): string {
  const lines = ['# Defaults from the buildpack release (bin/release config_vars); app config vars win.'];
  for (const [key, value] of Object.entries(vars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    lines.push(`if [ -z "\${${key}+set}" ]; then export ${key}=${shellQuote(value)}; fi`);
  }
  return `${lines.join('\n')}\n`;
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export async function buildAppImage(docker: Docker, options: AppImageOptions): Promise<AppImage> {
  const launcher = readFileSync(join(buildpacksRoot(), 'lib', 'start.sh'), 'utf8');
  const { context, procfile } = appContext(options.slug, {
    Dockerfile: { content: appDockerfile(options.runImage, options.labels), mode: 0o644 },
    start: { content: launcher, mode: 0o755 },
    'paas/default-process-types': { content: processTypesFile(options.release.defaultProcessTypes), mode: 0o644 },
    'paas/release-defaults.sh': { content: releaseDefaultsScript(options.release.configVars), mode: 0o644 },
  });
  const imageId = await buildFromContext(docker, context, {
    tag: options.tag,
    onLine: options.onLine,
    signal: options.signal,
  });
  return { imageId, procfile: await procfile };
}

/**
 * The build context: the generated files, then the slug's entries moved from `build/` to `app/`
 * (or `deps/`, see contextNameFor).
 * `procfile` resolves to the content of the slug's top-level Procfile once the slug was read.
 */
function appContext(
  slug: Readable,
  files: Record<string, { content: string; mode: number }>,
): { context: Readable; procfile: Promise<string | undefined> } {
  const pack = tar.pack();
  for (const [name, file] of Object.entries(files)) pack.entry({ name, mode: file.mode, mtime: new Date(0) }, file.content);
  for (const dir of ['app/', 'deps/']) pack.entry({ name: dir, type: 'directory', mode: 0o755, mtime: new Date(0) });
  const extract = tar.extract();
  let procfile: string | undefined;
  const procfileRead = new Promise<string | undefined>((resolve, reject) => {
    extract.on('finish', () => {
      pack.finalize();
      resolve(procfile);
    });
    extract.on('error', (error) => {
      pack.destroy(error);
      reject(error);
    });
  });
  procfileRead.catch(() => undefined);
  extract.on('entry', (header, stream, next) => {
    const name = contextNameFor(header.name);
    if (name === undefined || !['file', 'contiguous-file', 'directory', 'symlink', 'link'].includes(header.type ?? '')) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    const entry: Header = { ...header, name: header.type === 'directory' ? `${name}/` : name, pax: undefined };
    if (header.type === 'link' && header.linkname) entry.linkname = contextNameFor(header.linkname) ?? header.linkname;
    if (name === 'app/Procfile' && header.type === 'file') {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        const content = Buffer.concat(chunks);
        procfile = content.toString('utf8');
        pack.entry(entry, content, (error) => next(error));
      });
      return;
    }
    const sink = pack.entry(entry, (error) => next(error));
    if (header.type === 'file' || header.type === 'contiguous-file') stream.pipe(sink);
    else {
      stream.resume();
      sink.end(null);
    }
  });
  slug.on('error', (error) => extract.destroy(error));
  slug.pipe(extract);
  const context = Readable.from(pack, { objectMode: false });
  context.on('close', () => {
    slug.destroy();
    extract.destroy();
  });
  return { context, procfile: procfileRead };
}
