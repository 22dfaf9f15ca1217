import type Docker from 'dockerode';
import type { PartApi } from '../core/part.js';
import { AppLocks } from './app-lock.js';
import { Converger } from './converger.js';
import { Deployer } from './deployer.js';
import { ReleaseManager } from './release-manager.js';
import { DockerLocalScheduler, type ProcessContainer } from './scheduler.js';
import { schedulerOf } from './scheduler-topics.js';
import { SwarmScheduler } from './swarm-scheduler.js';
import { LocalRegistry } from './local-registry.js';

/** The deploy part's pieces, made once and shared by its command files. */
export interface DeployServices {
  api: PartApi;
  docker: Docker;
  scheduler: DockerLocalScheduler;
  swarm: SwarmScheduler;
  /** The app's processes on its scheduler: containers here, or swarm tasks. */
  processesOf(app: { id: number }): Promise<ProcessContainer[]>;
  locks: AppLocks;
  converger: Converger;
  releases: ReleaseManager;
  deployer: Deployer;
}

export function createDeployServices(api: PartApi): DeployServices {
  const docker = api.docker;
  const scheduler = new DockerLocalScheduler(docker, api.instance, api.logger, (appId) => api.networks.of(appId), api.settings.listen);
  const locks = new AppLocks();
  const swarm = new SwarmScheduler(docker, api, new LocalRegistry(api.paths.home, api.logger));
  const converger = new Converger(api, scheduler, locks, swarm);
  const releases = new ReleaseManager(api, docker, scheduler, converger, swarm);
  const deployer = new Deployer(api, docker, releases, locks, scheduler);
  const processesOf = (app: { id: number }) =>
    schedulerOf(api.store.properties, app) === 'swarm' ? swarm.list(app.id) : scheduler.list(app.id);
  return { api, docker, scheduler, swarm, processesOf, locks, converger, releases, deployer };
}
