import { openDatabase, type Db } from './database.js';
import { ApiTokensTable } from './api-tokens.js';
import { AppsTable } from './apps.js';
import { ConfigVarsTable } from './config-vars.js';
import { PropertiesTable } from './properties.js';

/** The daemon's state: one SQLite file, one small module per table. */
export class Store {
  readonly apps: AppsTable;
  readonly configVars: ConfigVarsTable;
  readonly properties: PropertiesTable;
  readonly apiTokens: ApiTokensTable;

  constructor(readonly db: Db) {
    this.apps = new AppsTable(db);
    this.configVars = new ConfigVarsTable(db);
    this.properties = new PropertiesTable(db);
    this.apiTokens = new ApiTokensTable(db);
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
