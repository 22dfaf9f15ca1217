import { Module, createRequire } from 'node:module';
import type Docker from 'dockerode';

const require = createRequire(import.meta.url);

let shared: Docker | undefined;

/**
 * The daemon's one Docker Engine client (one connection pool for every part). dockerode is
 * loaded on first use, after deferDockerodeExtras.
 */
export function dockerClient(): Docker {
  if (!shared) {
    deferDockerodeExtras();
    const DockerClass = require('dockerode') as typeof Docker;
    shared = new DockerClass();
  }
  return shared;
}

/**
 * dockerode requires gRPC and protobuf (for BuildKit sessions) and docker-modem requires ssh2
 * (for an ssh:// DOCKER_HOST) when they load: about 25 MB of resident memory that paas, talking
 * to the local socket without BuildKit, never uses. Their two modules are put in the require
 * cache as stand-ins that load the real module the first time they are called.
 */
export function deferDockerodeExtras(): void {
  let dockerode: string;
  try {
    dockerode = require.resolve('dockerode');
  } catch {
    return;
  }
  const fromDockerode = createRequire(dockerode);
  deferUntilCalled(fromDockerode, './session.js');
  try {
    deferUntilCalled(createRequire(fromDockerode.resolve('docker-modem')), './ssh.js');
  } catch {
    // another docker-modem layout: it loads as it is
  }
}

/** Puts a stand-in for a module that exports one function into the require cache. */
function deferUntilCalled(from: NodeJS.Require, specifier: string): void {
  let path: string;
  try {
    path = from.resolve(specifier);
  } catch {
    return;
  }
  if (from.cache[path]) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = function loadOnFirstCall(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete from.cache[path];
      real = from(path) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  from.cache[path] = standIn;
}
