import { Module, createRequire } from 'node:module';
import type Docker from 'dockerode';

const require = createRequire(import.meta.url);

/**
 * The daemon's one Docker Engine client (one connection pool for every part), made from the
 * settings' DOCKER_HOST; the daemon hands it to parts as PartApi.docker. dockerode is loaded
 * here, after deferDockerodeExtras.
 */
export function createDockerClient(dockerHost: string | undefined): Docker {
  deferDockerodeExtras();
  const DockerClass = require('dockerode') as typeof Docker;
  return new DockerClass(dockerOptions(dockerHost));
}

/** DOCKER_HOST as dockerode options: unix:///path or tcp://host:port; unset is the local socket. Pure. */
export function dockerOptions(dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return { socketPath: '/var/run/docker.sock' };
  const unix = /^unix:\/\/(\/.+)$/.exec(dockerHost);
  if (unix) return { socketPath: unix[1] };
  const tcp = /^tcp:\/\/([^:/]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?\/?$/.exec(dockerHost);
  if (tcp) return { protocol: 'http', host: tcp[1].replace(/^\[|\]$/g, ''), port: Number(tcp[2] ?? 2375) };
  throw new Error(`DOCKER_HOST must be unix:///path/to/docker.sock or tcp://HOST:PORT (got "${dockerHost}")`);
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
