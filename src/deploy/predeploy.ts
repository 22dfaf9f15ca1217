import type { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { appContainerDefaults } from './container-defaults.js';
import { execIn } from '../docker/exec.js';
import { connectNetwork } from './networks.js';
import { applyOverrides, type ContainerOverrides } from '../docker-options/container-overrides.js';

export interface CommitTaskOptions {
  /** The image to run the task in; on success it names the committed image. */
  image: string;
  /** `/bin/sh -c COMMAND`, as the app's processes run. */
  cmd: string[];
  /** The app's config: given to the task only, never stored in the image. */
  env: string[];
  labels: Record<string, string>;
  network: string;
  /** Service networks (postgres) to join, so DATABASE_URL answers in the task. */
  serviceNetworks?: readonly string[];
  stdout: Writable;
  stderr: Writable;
  signal?: AbortSignal;
  /** The app's storage mounts of the deploy phase (storage:mount); not part of the committed image. */
  binds?: readonly string[];
  /** The app's deploy-phase docker options (docker-options:add); not part of the committed image. */
  docker?: ContainerOverrides;
}

/**
 * Dokku's `scripts.dokku.predeploy`: runs a command in a container of the new image and commits
 * what it wrote to the filesystem into that image (same tag), so the processes start with it.
 *
 * The container idles on `read` while the command runs through docker exec: the app's config
 * reaches the command in the exec's environment, which `docker commit` does not record, so no
 * secret ends up in the image. The image's CMD, ENTRYPOINT, ENV and labels are kept as they were.
 * Resolves with the command's exit code; the image is only replaced on 0.
 */
export async function runAndCommit(docker: Docker, options: CommitTaskOptions): Promise<number> {
  const { Config: config } = await docker.getImage(options.image).inspect();
  const entrypoint = config.Entrypoint ? ([] as string[]).concat(config.Entrypoint) : [];
  const container = await docker.createContainer(
    applyOverrides(
      {
        Image: options.image,
        Entrypoint: ['/bin/sh', '-c', 'read _ || true'],
        Cmd: [],
        OpenStdin: true,
        Labels: options.labels,
        HostConfig: { NetworkMode: options.network, AutoRemove: false, ...appContainerDefaults(options.binds) },
      },
      options.docker,
    ),
  );
  try {
    if (!options.docker?.hostNetwork) {
      for (const network of options.serviceNetworks ?? []) await connectNetwork(docker, network, container.id);
    }
    await container.start();
    // The command goes through the image's entrypoint (a buildpack launcher), as `paas run` does.
    const code = await execIn(docker, container.id, {
      cmd: [...entrypoint, ...options.cmd],
      env: options.env,
      stdout: options.stdout,
      stderr: options.stderr,
      signal: options.signal,
    });
    await container.kill().catch(() => undefined);
    if (code !== 0) return code;
    const [repo, tag] = splitTag(options.image);
    await container.commit({
      _query: { container: container.id, repo, tag, comment: 'paas predeploy', pause: false },
      // The image's own settings, so the idle command and the task's labels are not kept.
      _body: {
        Cmd: config.Cmd ?? [],
        Entrypoint: config.Entrypoint ?? [],
        Env: config.Env ?? [],
        Labels: config.Labels ?? {},
        WorkingDir: config.WorkingDir ?? '',
        User: config.User ?? '',
        ExposedPorts: config.ExposedPorts ?? {},
      },
    });
    return 0;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

function splitTag(image: string): [string, string] {
  const colon = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, 'latest'];
}
