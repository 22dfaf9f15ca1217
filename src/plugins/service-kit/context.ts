import type Docker from 'dockerode';
import type { ServiceBackup } from '../../backups/backup-source.js';
import type { Backups } from '../../backups/backups.js';
import { UserError } from '../../core/errors.js';
import type { PartApi } from '../../core/part.js';
import { execIn, execText, type ExecOptions } from '../../docker/exec.js';
import { ServiceContainers } from './containers.js';
import type { ServiceDefinition } from './definition.js';
import { prepareServiceImage, type ImageChoice } from './image.js';
import { assertServiceName } from './names.js';
import { ServiceStore, type ServiceRow } from './store.js';

/** What one service plugin's commands share: its definition, the Part API, Docker and its rows. */
export class ServiceContext {
  /** Services whose create is under way: their names are taken, their rows not written yet. */
  readonly creating = new Set<string>();
  readonly plugin: string;
  /** `<plugin>:backup*` and restores, for plugins that give the kit their dump and restore. */
  backups: Backups | undefined;
  /** The plugin's dump and restore (clone and the backups use them); undefined when it has none. */
  data: ServiceBackup | undefined;
  private tables: ServiceStore | undefined;
  private boxes: ServiceContainers | undefined;

  constructor(
    readonly definition: ServiceDefinition,
    readonly api: PartApi,
  ) {
    this.plugin = definition.plugin;
  }

  /** The daemon's Docker client: used in handlers and start(), never in register(). */
  get docker(): Docker {
    return this.api.docker;
  }

  get containers(): ServiceContainers {
    this.boxes ??= new ServiceContainers(this.api.docker, this.api.instance, this.definition);
    return this.boxes;
  }

  /** Made on first use: the store exists only inside the daemon, not for offline help. */
  get store(): ServiceStore {
    this.tables ??= new ServiceStore(this.api.store.db, this.plugin);
    return this.tables;
  }

  /** The URL a linked app gets. */
  url(service: Pick<ServiceRow, 'name' | 'password'>): string {
    return this.definition.url(service, this.containers.host(service.name));
  }

  /** The image a new service runs (pulled, or built here from Debian packages when it can be). */
  prepareImage(choice: ImageChoice, log: (line: string) => void): Promise<string> {
    return prepareServiceImage(this.docker, this.definition, choice, log, this.api.paths.locks);
  }

  /** The named service, or the clear error every command gives for a bad or unknown name. */
  requireService(name: string): ServiceRow {
    assertServiceName(name);
    const service = this.store.find(name);
    if (!service) {
      const hint = this.creating.has(name) ? 'it is still being created' : `create it with: paas ${this.plugin}:create ${name}`;
      throw new UserError(`${this.plugin} service "${name}" does not exist; ${hint}`);
    }
    return service;
  }

  /** The service's container id when it runs, else a clear error. */
  async runningContainer(service: ServiceRow): Promise<string> {
    const state = await this.containers.state(service.name);
    if (state.status !== 'running' || !state.id) {
      throw new UserError(
        `${this.plugin} service ${service.name} is ${state.status}; start it with: paas ${this.plugin}:start ${service.name}`,
      );
    }
    return state.id;
  }

  /** Runs a program in the service's running container (argv, no shell); resolves to its exit code. */
  async exec(service: ServiceRow, options: ExecOptions): Promise<number> {
    return execIn(this.docker, await this.runningContainer(service), options);
  }

  /** Runs a program in the service's running container and collects its output. */
  async execText(service: ServiceRow, options: Omit<ExecOptions, 'stdout' | 'stderr'>): Promise<{ code: number; output: string }> {
    return execText(this.docker, await this.runningContainer(service), options);
  }
}
