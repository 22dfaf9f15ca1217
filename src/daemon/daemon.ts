import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Store } from '../store/store.js';
import { PAAS_VERSION } from '../version.js';
import { actorOfApiRequest, requireApiToken } from './api-auth.js';
import { apiHostNames, loadOrCreateApiCertificate, type ApiCertificate } from './api-tls.js';
import { commandRoute } from '../http/command-route.js';
import { PRIVATE_UMASK, secureHome } from './home-permissions.js';
import { apiConnectionCap } from './api-connection-cap.js';
import { ConnectionGuard, type ConnectionLimits } from './connection-guard.js';
import { instanceId } from './instance.js';
import { createLogger, type Logger } from './logger.js';
import type { Part, PartApi } from '../core/part.js';
import { createPartApi } from '../core/part-api.js';
import { registerParts } from '../core/part-registration.js';
import { orderParts } from '../core/part-order.js';
import { createDockerClient } from '../docker/client.js';
import { migrateParts } from '../store/part-migrations.js';
import { allParts } from './parts.js';
import { paths as pathsOf, type Settings } from './settings.js';

export interface RunningDaemon {
  api: PartApi;
  stop(): Promise<void>;
}

/** Boots the daemon: state, parts, the socket and the TCP API. */
export async function startDaemon(settings: Settings, logToTerminal: boolean): Promise<RunningDaemon> {
  const paths = pathsOf(settings.home);
  // Everything the daemon writes from here on (db, logs, sources, keys) is root's alone.
  process.umask(PRIVATE_UMASK);
  const repaired = secureHome(paths);
  const logger = createLogger(paths.logFile, logToTerminal);
  if (repaired) logger.warn({ repaired }, 'took group and other permissions away from files in PAAS_HOME');
  await refuseIfRunning(paths.socket);

  const store = Store.open(paths.database);
  const docker = createDockerClient(settings.dockerHost);
  const api = createPartApi({ settings, store, logger, instance: instanceId(paths.home), docker });

  const declared = allParts();
  migrateParts(
    store.db,
    orderParts(declared).map((part) => part.migrations),
  );
  const parts = registerParts(declared, api);
  for (const part of parts) await part.start?.();

  const servers: FastifyInstance[] = [];
  const appExists = (name: string) => store.apps.find(name) !== undefined;
  const socketServer = httpServer(logger);
  await socketServer.register(commandRoute, {
    registry: api.commands,
    logger,
    actorOf: () => ({ name: 'root', transport: 'socket' }),
    appExists,
  });
  await socketServer.listen({ path: paths.socket });
  chmodSync(paths.socket, 0o600);
  servers.push(socketServer);

  if (settings.apiPort !== 0) {
    const certificate = settings.apiTls ? await loadOrCreateApiCertificate(paths.home, apiHostNames(settings.domain)) : undefined;
    const apiServer = httpServer(logger, settings.limits, certificate);
    guardHttpServer(
      apiServer.server,
      new ConnectionGuard(settings.limits, (address) => apiConnectionCap(settings.limits, settings.listen, address)),
    );
    requireApiToken(apiServer, store);
    await apiServer.register(commandRoute, {
      registry: api.commands,
      logger,
      actorOf: actorOfApiRequest,
      appExists,
      commandLineTimeoutMs: settings.limits.loginTimeoutMs,
    });
    for (const routes of api.apiRoutes) await apiServer.register(routes);
    await apiServer.listen({ port: settings.apiPort, host: settings.listen });
    servers.push(apiServer);
    logger.info(
      { port: settings.apiPort, tls: Boolean(certificate), fingerprint: certificate?.fingerprint },
      certificate ? 'API served over TLS' : 'API served over plain HTTP (loopback or PAAS_API_INSECURE=1)',
    );
  }

  writeFileSync(paths.pidFile, `${process.pid}\n`);
  logger.info({ version: PAAS_VERSION, home: paths.home, apiPort: settings.apiPort }, 'paas daemon started');

  return {
    api,
    async stop() {
      logger.info('paas daemon stopping');
      for (const server of servers) await server.close();
      for (const part of [...parts].reverse()) await stopPart(part, logger);
      store.close();
      rmSync(paths.pidFile, { force: true });
      logger.info('paas daemon stopped');
      logger.flush();
    },
  };
}

/**
 * Builds stream for minutes, so nothing times out a request once it runs. What limits clients is
 * elsewhere: a first request within the login timeout (ConnectionGuard), every later request's
 * headers within it too (headersTimeout), a few seconds idle between requests (keepAliveTimeout).
 */
function httpServer(logger: Logger, limits?: ConnectionLimits, certificate?: ApiCertificate): FastifyInstance {
  const timeouts = limits && { headersTimeout: limits.loginTimeoutMs, connectionsCheckingInterval: 1000 };
  return Fastify({
    loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    requestTimeout: 0,
    connectionTimeout: 0,
    ...(limits && { keepAliveTimeout: KEEP_ALIVE_MS }),
    ...(certificate
      ? { https: { key: certificate.key, cert: certificate.cert, handshakeTimeout: limits?.loginTimeoutMs, ...timeouts } }
      : timeouts && { http: timeouts }),
  });
}

const KEEP_ALIVE_MS = 5000;

/** The per-address cap on every connection, and a deadline for its first request. */
function guardHttpServer(server: Server, guard: ConnectionGuard): void {
  const tls = server instanceof TlsServer;
  server.on('connection', (socket: Socket) => {
    if (guard.admit(socket) && !tls) guard.deadline(socket, guard.limits.loginTimeoutMs);
  });
  // Over TLS the handshake has its own timeout; the first request's deadline starts after it.
  server.on('secureConnection', (socket: Socket) => guard.deadline(socket, guard.limits.loginTimeoutMs));
  server.on('request', (request: IncomingMessage) => guard.settle(request.socket));
}

async function stopPart(part: Part, logger: Logger): Promise<void> {
  try {
    await part.stop?.();
  } catch (error) {
    logger.error({ err: error, part: part.name }, 'part failed to stop');
  }
}

/** A live socket means another daemon owns this PAAS_HOME; a dead one is a leftover to remove. */
async function refuseIfRunning(socket: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`a paas daemon is already running on ${socket}`);
  rmSync(socket, { force: true });
}
