import { writeLine } from '../../core/output.js';
import type { ServiceContext } from '../service-kit/context.js';
import { POSTGRES_USER, databaseName } from './postgres-service.js';

/** postgres:connect, :export, :import: programs run inside the service's container. */
export function registerDataCommands(pg: ServiceContext): void {
  const { commands } = pg.api;

  commands.register({
    name: 'postgres:connect',
    summary: "Run psql against a service's database; standard input and output are passed through",
    usage: 'NAME',
    description: 'Reads SQL from standard input when it is not a terminal; over SSH with a terminal it is interactive.',
    examples: ["echo 'select count(*) from posts' | paas postgres:connect blog-db", 'ssh -t -p 2222 paas@host postgres:connect blog-db'],
    arity: [1, 1],
    async handler({ args: [name], stdout, stderr, stdin, signal, terminal }) {
      const service = pg.requireService(name!);
      return pg.exec(service, {
        cmd: ['psql', '-U', POSTGRES_USER, '-d', databaseName(service.name)],
        user: 'postgres',
        env: ['PSQL_HISTORY=/tmp/.psql_history'],
        stdout,
        stderr,
        stdin,
        signal,
        terminal,
      });
    },
  });

  commands.register({
    name: 'postgres:export',
    summary: "Write a dump of a service's database to standard output (pg_dump custom format)",
    usage: 'NAME > FILE',
    description: 'The dump is byte-for-byte what pg_dump -Fc wrote; restore it with postgres:import.',
    examples: ['paas postgres:export blog-db > blog-db.dump'],
    arity: [1, 1],
    async handler({ args: [name], stdout, stderr, signal }) {
      const service = pg.requireService(name!);
      return pg.exec(service, {
        cmd: ['pg_dump', '-Fc', '--no-acl', '--no-owner', '-U', POSTGRES_USER, '-d', databaseName(service.name)],
        user: 'postgres',
        stdout,
        stderr,
        signal,
      });
    },
  });

  commands.register({
    name: 'postgres:import',
    summary: "Restore a dump from postgres:export (on standard input) into a service's database",
    usage: 'NAME < FILE',
    description: 'Runs pg_restore --clean --if-exists --no-owner: tables in the dump replace those with the same names.',
    examples: ['paas postgres:import blog-db < blog-db.dump'],
    arity: [1, 1],
    async handler({ args: [name], stdout, stderr, stdin, signal }) {
      const service = pg.requireService(name!);
      await pg.runningContainer(service);
      writeLine(stdout, `-----> Importing into postgres service ${service.name}`);
      const code = await pg.exec(service, {
        cmd: ['pg_restore', '--clean', '--if-exists', '--no-owner', '--no-acl', '-U', POSTGRES_USER, '-d', databaseName(service.name)],
        user: 'postgres',
        stdout,
        stderr,
        stdin,
        signal,
      });
      if (code === 0) writeLine(stdout, `-----> Imported into ${service.name}`);
      else writeLine(stderr, `error: pg_restore exited with ${code}; see its messages above`);
      return code;
    },
  });
}
