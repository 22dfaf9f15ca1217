import { openDatabase, type Db } from './database.js';
import { ApiTokensTable } from './api-tokens.js';
import { AppsTable } from './apps.js';
import { BuildsTable } from './builds.js';
import { ConfigVarsTable } from './config-vars.js';
import { PropertiesTable } from './properties.js';
import { ReleasesTable } from './releases.js';
import { SshKeysTable } from './ssh-keys.js';

/** The daemon's state: one SQLite file, one small module per table. */
export class Store {
  readonly apps: AppsTable;
  readonly configVars: ConfigVarsTable;
  readonly properties: PropertiesTable;
  readonly apiTokens: ApiTokensTable;
  readonly sshKeys: SshKeysTable;
  readonly builds: BuildsTable;
  readonly releases: ReleasesTable;

  constructor(readonly db: Db) {
    this.apps = new AppsTable(db);
    this.configVars = new ConfigVarsTable(db);
    this.properties = new PropertiesTable(db);
    this.apiTokens = new ApiTokensTable(db);
    this.sshKeys = new SshKeysTable(db);
    this.builds = new BuildsTable(db);
    this.releases = new ReleasesTable(db);
  }

  static open(file: string): Store {
    return new Store(openDatabase(file));
  }

  /** Runs fn atomically: every table change inside lands, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}
