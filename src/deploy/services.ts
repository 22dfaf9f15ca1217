import type Docker from 'dockerode';
import type { PartApi } from '../core/part.js';
import { AppLocks } from './app-lock.js';
import { Converger } from './converger.js';
import { Deployer } from './deployer.js';
import { ReleaseManager } from './release-manager.js';
import { DockerLocalScheduler } from './scheduler.js';

/** The deploy part's pieces, made once and shared by its command files. */
export interface DeployServices {
  api: PartApi;
  docker: Docker;
  scheduler: DockerLocalScheduler;
  locks: AppLocks;
  converger: Converger;
  releases: ReleaseManager;
  deployer: Deployer;
}

export function createDeployServices(api: PartApi): DeployServices {
  const docker = api.docker;
  const scheduler = new DockerLocalScheduler(docker, api.instance, api.logger, (appId) => api.networks.of(appId));
  const locks = new AppLocks();
  const converger = new Converger(api, scheduler, locks);
  const releases = new ReleaseManager(api, docker, scheduler, converger);
  const deployer = new Deployer(api, docker, releases, locks, scheduler);
  return { api, docker, scheduler, locks, converger, releases, deployer };
}
