import { existsSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { Connection, Server as SshServer } from 'ssh2';
import type { Actor } from '../core/command.js';
import type { CommandRegistry } from '../core/registry.js';
import { ConnectionGuard, DEFAULT_LIMITS, type ConnectionLimits } from '../daemon/connection-guard.js';
import type { Logger } from '../daemon/logger.js';
import type { GitAccess } from '../git/git-access.js';
import type { Store } from '../store/store.js';
import { hostKeyFingerprint, loadOrCreateHostKey } from './host-key.js';
import { checkLogin } from './login.js';
import { handleSession, type Activity, type Deps } from './session.js';
import { ssh2 } from './ssh2-module.js';

export interface SshServerOptions {
  port: number;
  host: string;
  /** Where the ed25519 host key lives; generated on first start, reused after. */
  hostKeyPath: string;
  store: Store;
  logger: Logger;
  registry: CommandRegistry;
  gitAccess: GitAccess;
  /** Login and idle timeouts, and the per-address cap (defaults: DEFAULT_LIMITS). */
  limits?: ConnectionLimits;
}

export interface RunningSshServer {
  port: number;
  close(): Promise<void>;
}

/** Login requests per connection: a client offers each agent key in turn, an attacker many more. */
const MAX_AUTH_ATTEMPTS = 20;

/**
 * The embedded SSH server: public-key login against `ssh-keys:*`, then either git
 * (receive-pack / upload-pack for one app, from a strict whitelist) or one paas command.
 * No shell, no forwarding, no subsystems: ssh2 refuses every request we do not listen for.
 */
export async function startSshServer(options: SshServerOptions): Promise<RunningSshServer> {
  const logger = options.logger.child({ component: 'ssh' });
  // The key is made on the first start ever; it is read (and ssh2 loaded) by the first connection.
  if (!existsSync(options.hostKeyPath)) loadOrCreateHostKey(options.hostKeyPath);
  const connections = new Set<Connection>();
  const deps: Deps = { ...options, logger, port: options.port };
  const limits = options.limits ?? DEFAULT_LIMITS;
  const guard = new ConnectionGuard(limits);
  /** Raw sockets by `ip|port`, to find the one under an ssh2 connection. */
  const sockets = new Map<string, Socket>();

  // ssh2 costs about 15 MB of resident memory: an idle daemon that nobody reached over SSH does
  // without it. The first connection loads it.
  let server: SshServer | undefined;
  const sshServer = (): SshServer => {
    if (server) return server;
    const hostKey = loadOrCreateHostKey(options.hostKeyPath);
    server = new (ssh2().Server)({ hostKeys: [hostKey] }, (client, info) => {
      connections.add(client);
      client.on('close', () => connections.delete(client));
      // A client that vanishes mid-handshake is routine, not a daemon failure.
      client.on('error', (error) => logger.debug({ err: error, ip: info.ip }, 'ssh connection error'));
      handleConnection(client, info.ip, deps, activityOf(sockets.get(`${info.ip}|${info.port}`), guard));
    });
    server.on('error', (error: Error) => logger.error({ err: error }, 'ssh server error'));
    logger.info({ hostKey: hostKeyFingerprint(hostKey) }, 'ssh server loaded for its first connection');
    return server;
  };
  // Our own listener, so each socket is counted and timed before ssh2 sees a byte of it.
  const tcp = createServer((socket) => {
    if (!guard.admit(socket)) return;
    guard.deadline(socket, limits.loginTimeoutMs);
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    sockets.set(key, socket);
    socket.once('close', () => sockets.delete(key));
    try {
      sshServer().injectSocket(socket);
    } catch (error) {
      logger.error({ err: error }, 'ssh server cannot start');
      socket.destroy();
    }
  });

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen for SSH on ${options.host}:${options.port} (${error.code ?? error.message}); ` +
            'set PAAS_SSH_PORT to a free port, or to 0 to turn SSH off',
        ),
      );
    tcp.once('error', onError);
    tcp.listen(options.port, options.host, () => {
      tcp.off('error', onError);
      tcp.on('error', (error: Error) => logger.error({ err: error }, 'ssh server error'));
      const address = tcp.address();
      resolve(typeof address === 'object' && address ? address.port : options.port);
    });
  });
  deps.port = port;
  logger.info({ port, host: options.host }, 'ssh server listening');

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const client of connections) client.end();
        for (const socket of sockets.values()) socket.destroy();
      }),
  };
}

function activityOf(socket: Socket | undefined, guard: ConnectionGuard): Activity {
  let running = 0;
  const idle = () => {
    if (socket && running === 0) guard.deadline(socket, guard.limits.idleTimeoutMs);
  };
  return {
    loggedIn: idle,
    busy() {
      running++;
      if (socket) guard.settle(socket);
      let over = false;
      return () => {
        if (over) return;
        over = true;
        running--;
        idle();
      };
    },
  };
}

function handleConnection(client: Connection, ip: string, deps: Deps, activity: Activity): void {
  let actor: Actor | undefined;
  let attempts = 0;

  client.on('authentication', (ctx) => {
    if (++attempts > MAX_AUTH_ATTEMPTS) {
      ctx.reject([]);
      client.end();
      return;
    }
    const outcome = checkLogin(ctx, deps);
    if (outcome.kind === 'reject') return ctx.reject(['publickey']);
    if (outcome.kind === 'accept') {
      actor = { name: `ssh key ${outcome.keyName}`, transport: 'ssh' };
      deps.logger.info({ ip, actor: actor.name }, 'ssh login');
    }
    // 'query': the key is known; accept() answers "key acceptable" (PK_OK), not a login.
    ctx.accept();
  });

  // ssh2 reports a channel's close only once its input was read to the end, so a dropped
  // connection is watched for on its own, to stop what its sessions run.
  const dropped = new AbortController();
  client.on('close', () => dropped.abort());

  client.on('ready', () => {
    const who = actor;
    if (!who) return client.end(); // cannot happen: ssh2 is ready only after an accept with a signature
    activity.loggedIn();
    client.on('session', (accept) => handleSession(accept(), who, dropped.signal, deps, activity));
  });
}
