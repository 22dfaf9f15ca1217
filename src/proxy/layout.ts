import { join } from 'node:path';

/**
 * Where the managed nginx keeps its files, all under $PAAS_HOME/nginx (its `-p` prefix):
 *
 *   nginx.conf             the main config (rewritten from code, never by hand)
 *   nginx.check.conf       the candidate tree that `nginx -t` checks before a change goes live
 *   nginx.pid, control.sock
 *   conf.d/control.conf    the generation marker that proves a reload took effect
 *   conf.d/default.conf    the default servers: a plain 404 for hosts no app owns
 *   conf.d/dashboard.conf  the dashboard's domain (dashboard:set --global domain), proxied to the API port
 *   apps/APP.conf          one file per app
 *   certs/APP/VERSION/     server.crt and server.key of the app's current certificate
 *   certs/_dashboard/      the same for the dashboard (no app name starts with "_")
 *   logs/                  error.log, access.log, APP-access.log, APP-error.log
 *   tmp/                   nginx's temp files (request bodies, proxied responses)
 */
export interface NginxLayout {
  prefix: string;
  mainConf: string;
  checkConf: string;
  pidFile: string;
  controlSocket: string;
  confDir: string;
  appsDir: string;
  certsDir: string;
  logsDir: string;
  tmpDir: string;
  errorLog: string;
  /** nginx's stderr while it starts (bind errors and the like, before its error log is open). */
  startLog: string;
}

export function nginxLayout(prefix: string): NginxLayout {
  const logsDir = join(prefix, 'logs');
  return {
    prefix,
    mainConf: join(prefix, 'nginx.conf'),
    checkConf: join(prefix, 'nginx.check.conf'),
    pidFile: join(prefix, 'nginx.pid'),
    controlSocket: join(prefix, 'control.sock'),
    confDir: join(prefix, 'conf.d'),
    appsDir: join(prefix, 'apps'),
    certsDir: join(prefix, 'certs'),
    logsDir,
    tmpDir: join(prefix, 'tmp'),
    errorLog: join(logsDir, 'error.log'),
    startLog: join(logsDir, 'start.log'),
  };
}

/** Paths of the tree relative to the prefix: the keys of a rendered tree. */
export const TREE = {
  main: 'nginx.conf',
  control: 'conf.d/control.conf',
  defaults: 'conf.d/default.conf',
  dashboard: 'conf.d/dashboard.conf',
  app: (app: string) => `apps/${app}.conf`,
} as const;

export function appLogs(layout: NginxLayout, app: string): { access: string; error: string } {
  return { access: join(layout.logsDir, `${app}-access.log`), error: join(layout.logsDir, `${app}-error.log`) };
}

export function certFiles(layout: NginxLayout, app: string, version: string): { dir: string; crt: string; key: string } {
  const dir = join(layout.certsDir, app, version);
  return { dir, crt: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}
