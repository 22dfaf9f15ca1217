import type { Actor } from '../core/command.js';

export type GitVerb = 'git-receive-pack' | 'git-upload-pack';

/** What a transport (SSH, HTTP) needs to run git for an app. */
export interface GitRepoAccess {
  /** Absolute path of the app's bare repository. */
  repoPath: string;
  /** Environment for the spawned git process (PAAS_HOME, who pushed, ...): merge over process.env. */
  env: NodeJS.ProcessEnv;
}

export interface GitAccess {
  /**
   * Validates the app name, creates the app on a push to an unknown app (unless autocreation is
   * off), makes sure its bare repo and hooks exist, and says how to run git on it.
   * Throws UserError (one clear line) when the app does not exist for a fetch, or is refused.
   */
  open(verb: GitVerb, app: string, actor: Actor): Promise<GitRepoAccess>;
  /**
   * The read that comes before a push over HTTP (GET info/refs): like open, but never creates.
   * Undefined when the app does not exist yet and a push would create it.
   */
  peek(verb: GitVerb, app: string, actor: Actor): Promise<GitRepoAccess | undefined>;
}
