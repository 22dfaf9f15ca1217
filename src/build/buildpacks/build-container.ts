import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { assertReadableSize } from '../build-context.js';
import { LineSplitter } from './lines.js';
import { connectNetwork } from '../../deploy/networks.js';
import type { ResourceLimits } from '../../deploy/resource-limits.js';

export interface BuildContainerSpec {
  image: string;
  labels: Record<string, string>;
  /** Named volume mounted at CACHE_DIR (/tmp/cache). */
  cacheVolume: string;
  env: string[];
  cmd: string[];
  limits: ResourceLimits;
  /** The network the build runs on (see BuildRequest.network). */
  network: string;
  /** Networks it joins too: those of the services linked to the app (see BuildRequest.serviceNetworks). */
  serviceNetworks?: readonly string[];
  /** HostConfig fields of the app's build-phase docker options, laid over the above. */
  host?: Record<string, unknown>;
}

/** Paths inside the build container (herokuish's layout). */
export const BUILD_PATHS = {
  root: '/tmp',
  build: '/tmp/build',
  cache: '/tmp/cache',
  env: '/tmp/env',
  buildpacks: '/tmp/buildpacks',
  paas: '/tmp/paas',
  out: '/tmp/paas/out',
} as const;

/**
 * The container a buildpack build runs in: created (not started) from the build stack, filled
 * with putArchive, run with its output streamed line by line, read back with getArchive, removed.
 */
export class BuildContainer {
  private constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
  ) {}

  static async create(docker: Docker, spec: BuildContainerSpec): Promise<BuildContainer> {
    const container = await docker.createContainer({
      Image: spec.image,
      Cmd: spec.cmd,
      Entrypoint: [],
      User: '0:0',
      WorkingDir: '/',
      Env: spec.env,
      Labels: spec.labels,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        Binds: [`${spec.cacheVolume}:${BUILD_PATHS.cache}`],
        NetworkMode: spec.network,
        ...(spec.limits.memory ? { Memory: spec.limits.memory, MemorySwap: spec.limits.memory } : {}),
        ...(spec.limits.cpu ? { NanoCpus: Math.round(spec.limits.cpu * 1e9) } : {}),
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
        ...spec.host,
      },
    });
    try {
      for (const network of spec.serviceNetworks ?? []) await connectNetwork(docker, network, container.id);
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return new BuildContainer(docker, container);
  }

  /** Unpacks a tar stream at `path`, which must exist in the container already. */
  async put(path: string, archive: Readable): Promise<void> {
    await this.container.putArchive(archive, { path });
  }

  /** Starts it, passes each line of its output on, and resolves to its exit code. */
  async run(onLine: (line: string) => void, signal: AbortSignal): Promise<number> {
    const attached = (await this.container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const outLines = new LineSplitter(onLine);
    const errLines = new LineSplitter(onLine);
    stdout.on('data', (chunk: Buffer) => outLines.write(chunk));
    stderr.on('data', (chunk: Buffer) => errLines.write(chunk));
    const ended = new Promise<void>((resolve) => {
      attached.once('end', resolve);
      attached.once('close', resolve);
      attached.once('error', () => resolve());
    });
    this.docker.modem.demuxStream(attached, stdout, stderr);
    const onAbort = () => void this.container.kill().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.container.start();
      const result = (await this.container.wait()) as { StatusCode: number };
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5000))]);
      outLines.end();
      errLines.end();
      signal.throwIfAborted();
      return result.StatusCode;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The tar Docker gives for `path`: its entries are prefixed with the path's last name. */
  async archive(path: string): Promise<Readable> {
    return (await this.container.getArchive({ path })) as unknown as Readable;
  }

  /** The regular files under `path`, by their name relative to it (small files only). */
  async readFiles(path: string): Promise<Map<string, Buffer>> {
    const files = new Map<string, Buffer>();
    const extract = tar.extract();
    (await this.archive(path)).pipe(extract);
    for await (const entry of extract) {
      const name = entry.header.name.split('/').slice(1).join('/');
      if (entry.header.type === 'file' && name) {
        assertReadableSize(name, entry.header.size, 'in the build output');
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        files.set(name, Buffer.concat(chunks));
      } else {
        entry.resume();
      }
    }
    return files;
  }

  async remove(): Promise<void> {
    await this.container.remove({ force: true, v: false }).catch(() => undefined);
  }
}
