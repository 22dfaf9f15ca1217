import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Store } from '../store/store.js';
import { PAAS_VERSION } from '../version.js';
import { actorOfApiRequest, requireApiToken } from './api-auth.js';
import { commandRoute } from './command-route.js';
import { PRIVATE_UMASK, secureHome } from './home-permissions.js';
import { instanceId } from './instance.js';
import { createLogger, type Logger } from './logger.js';
import type { Part, PartApi } from './part.js';
import { createPartApi } from './part-api.js';
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
  const api = createPartApi({ settings, store, logger, instance: instanceId(paths.home) });

  const parts = allParts();
  for (const part of parts) part.register(api);
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
    const apiServer = httpServer(logger);
    requireApiToken(apiServer, store);
    await apiServer.register(commandRoute, { registry: api.commands, logger, actorOf: actorOfApiRequest, appExists });
    for (const routes of api.apiRoutes) await apiServer.register(routes);
    await apiServer.listen({ port: settings.apiPort, host: settings.listen });
    servers.push(apiServer);
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

function httpServer(logger: Logger): FastifyInstance {
  return Fastify({
    loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    // Builds stream for minutes; the default timeouts would cut a deploy short.
    requestTimeout: 0,
    connectionTimeout: 0,
  });
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
