/**
 * What every container that runs app code gets (processes, `run`, `run:detached`, deploy
 * scripts): a cap on processes, so a fork bomb stays inside its container, and no privilege
 * gain through setuid binaries. Memory and CPU stay unlimited unless `resource:limit` sets them.
 */
export const APP_PIDS_LIMIT = 1024;

export function appContainerDefaults(binds: readonly string[] = []): { PidsLimit: number; SecurityOpt: string[]; Binds?: string[] } {
  // Binds: the app's storage mounts (storage:mount), `HOST:CONTAINER[:ro]`.
  return { PidsLimit: APP_PIDS_LIMIT, SecurityOpt: ['no-new-privileges:true'], ...(binds.length ? { Binds: [...binds] } : {}) };
}
