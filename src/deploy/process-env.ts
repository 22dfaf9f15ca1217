import type { ReleaseRow } from '../store/releases.js';

/** The environment of one process container: the release's config plus what paas sets. */
export function processEnv(release: ReleaseRow, type: string, index: number): string[] {
  const env: Record<string, string> = {
    ...release.config,
    PORT: String(release.port),
    DYNO: `${type}.${index}`,
  };
  if (release.gitRev) env.GIT_REV = release.gitRev;
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** A Procfile command runs through a shell, as on Heroku; none means the image's own CMD. */
export function processCommand(command: string | null): string[] | undefined {
  return command === null ? undefined : ['/bin/sh', '-c', command];
}
