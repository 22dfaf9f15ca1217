import { execFileSync } from 'node:child_process';
import { remoteUrlsFromConfig } from './git-config.js';

const REMOTES = ['paas', 'dokku'];

/**
 * The app a command in this folder is probably about, as Dokku's client finds it: DOKKU_APP or
 * PAAS_APP, else the app of a git remote named paas (or dokku). The daemon uses it only when
 * the command line names no existing app.
 */
export function appHint(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const fromEnv = env.PAAS_APP || env.DOKKU_APP;
  if (fromEnv) return fromEnv;
  const fromConfig = remoteUrlsFromConfig(env, cwd);
  for (const remote of REMOTES) {
    const url = fromConfig ? fromConfig.get(remote) : gitRemoteUrl(remote, cwd);
    const app = url === undefined ? undefined : appOfRemote(url);
    if (app) return app;
  }
  return undefined;
}

/** `dokku@host:blog`, `ssh://paas@host:2222/blog`, `https://paas:TOKEN@host:8765/blog.git` -> blog. */
export function appOfRemote(url: string): string | undefined {
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  } else {
    const colon = url.indexOf(':');
    if (colon === -1) return undefined;
    path = url.slice(colon + 1);
  }
  const app = path
    .replace(/\/+$/, '')
    .split('/')
    .pop()
    ?.replace(/\.git$/, '');
  return app || undefined;
}

function gitRemoteUrl(remote: string, cwd: string): string | undefined {
  try {
    const out = execFileSync('git', ['config', '--get', `remote.${remote}.url`], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    return out.toString().trim() || undefined;
  } catch {
    return undefined;
  }
}
