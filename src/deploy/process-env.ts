import type { ReleaseRow } from '../store/releases.js';

/**
 * The environment of one process container: the release's config plus what paas sets. The
 * deployed commit goes in `revVar` (git:set rev-env-var; GIT_REV by default, null: left out).
 */
export function processEnv(release: ReleaseRow, type: string, index: number, revVar: string | null = 'GIT_REV'): string[] {
  const env: Record<string, string> = {
    ...release.config,
    PORT: String(release.port),
    DYNO: `${type}.${index}`,
  };
  if (release.gitRev && revVar) env[revVar] = release.gitRev;
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** A Procfile command runs through a shell, as on Heroku; none means the image's own CMD. */
export function processCommand(command: string | null): string[] | undefined {
  return command === null ? undefined : ['/bin/sh', '-c', command];
}

/**
 * `paas run APP ...`: one argument is a shell command line (`paas run blog 'ls | wc -l'`);
 * several are one command and its arguments, quoted so each arrives as given.
 */
export function oneOffCommandLine(args: readonly string[]): string {
  if (args.length === 1) return args[0];
  return args.map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
