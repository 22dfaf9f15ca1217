import { realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Actor } from '../core/command.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import type { Paths } from '../daemon/settings.js';
import { checkHostPath, type MountRequest } from './mount-spec.js';

/** The Docker sockets nobody may mount: the usual paths and the one DOCKER_HOST names. */
function dockerSockets(env: NodeJS.ProcessEnv): string[] {
  const sockets = ['/var/run/docker.sock', '/run/docker.sock'];
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) sockets.push(posix.normalize(host.slice('unix://'.length)));
  return sockets;
}

/** A path with its links resolved when it exists (so a link to / is seen as /); else undefined. */
export function realFolder(path: string): string | undefined {
  try {
    const real = realpathSync(path);
    return statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a mount's host side (a storage NAME or an absolute path) to a real folder and checks
 * that this caller may mount it (storage:mount, docker-options -v). Returns the folder, or throws.
 */
export function resolveMountHost(paths: Paths, request: MountRequest, actor: Actor): string {
  const root = realFolder(paths.storage) ?? paths.storage;
  const home = realFolder(paths.home) ?? paths.home;
  const given = request.host.startsWith('/') ? request.host : join(paths.storage, request.host);
  const real = realFolder(given);
  if (real === undefined) {
    if (!request.host.startsWith('/')) {
      throw new UserError(`storage ${request.host} does not exist; make it first: paas storage:ensure-directory ${request.host}`);
    }
    if (actor.transport !== 'socket') {
      // Say nothing about what exists on the server to a remote caller.
      checkHostPath(given, { root, home, sockets: [], local: false });
    }
    throw new UserError(`host path ${printable(given)} is not an existing folder; create it first (or use storage:ensure-directory NAME)`);
  }
  return checkHostPath(real, { root, home, sockets: dockerSockets(process.env), local: actor.transport === 'socket' });
}
