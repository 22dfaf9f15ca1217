import type Docker from 'dockerode';
import { UserError } from '../../core/errors.js';
import type { PartApi } from '../../core/part.js';
import { ServiceContainers } from './containers.js';
import { assertServiceName } from './service-names.js';
import { PostgresStore, type ServiceRow } from './service-store.js';

/** What the postgres commands share: the Part API, Docker, and the plugin's tables. */
export class PostgresContext {
  readonly docker: Docker;
  readonly containers: ServiceContainers;
  /** Services whose create is under way: their names are taken, their rows not written yet. */
  readonly creating = new Set<string>();
  private tables: PostgresStore | undefined;

  constructor(readonly api: PartApi) {
    this.docker = api.docker;
    this.containers = new ServiceContainers(this.docker, api.instance);
  }

  /** Made on first use: the store exists only inside the daemon, not for offline help. */
  get store(): PostgresStore {
    this.tables ??= new PostgresStore(this.api.store.db);
    return this.tables;
  }

  /** The named service, or the clear error every command gives for a bad or unknown name. */
  requireService(name: string): ServiceRow {
    assertServiceName(name);
    const service = this.store.find(name);
    if (!service) {
      const hint = this.creating.has(name) ? 'it is still being created' : `create it with: paas postgres:create ${name}`;
      throw new UserError(`postgres service "${name}" does not exist; ${hint}`);
    }
    return service;
  }

  /** The service's container id when it runs, else a clear error. */
  async runningContainer(service: ServiceRow): Promise<string> {
    const state = await this.containers.state(service.name);
    if (state.status !== 'running' || !state.id) {
      throw new UserError(`postgres service ${service.name} is ${state.status}; start it with: paas postgres:start ${service.name}`);
    }
    return state.id;
  }
}
