import { UserError } from '../../core/errors.js';
import { assertBuildpackAllowed, type BuildpackPolicy, type BuildpackTrust } from './buildpack-policy.js';
import { parseBuildpackUrl, type BuildpackSource } from './buildpack-url.js';
import { parseBuildpacksFile } from './buildpacks-file.js';
import { BUILTIN_BUILDPACKS } from './builtin.js';

export interface BuildpackInputs {
  /** The app's BUILDPACK_URL config var. */
  buildpackUrl?: string;
  /** The list set with buildpacks:add/set. */
  configured: readonly string[];
  /** The `.buildpacks` file of the pushed code (in the build dir). */
  buildpacksFile?: string;
}

export interface BuildpackSelection {
  /** Where the list came from, as shown to the pusher. */
  from: 'BUILDPACK_URL' | 'buildpacks:add' | '.buildpacks' | 'detection';
  /**
   * `run`: every buildpack runs in order (each must detect the app).
   * `detect`: the first whose bin/detect says yes runs.
   */
  mode: 'run' | 'detect';
  sources: BuildpackSource[];
}

/** Who may have chosen what the build reads, and what the admin allows. */
export interface SelectionPolicy {
  /**
   * Trust of the pushed code's `.buildpacks`: `server` only for a push made on the server itself.
   * BUILDPACK_URL and the list were checked against their setter when they were stored.
   */
  codeTrust: BuildpackTrust;
  allowPrivateUrls: boolean;
}

/**
 * Dokku's precedence: a BUILDPACK_URL config var wins, then the app's buildpacks list
 * (buildpacks:add), then the committed `.buildpacks`, else detection over the built-in set. Pure.
 */
export function selectBuildpacks(inputs: BuildpackInputs, policy: SelectionPolicy): BuildpackSelection {
  const stored: BuildpackPolicy = { trust: 'server', allowPrivateUrls: policy.allowPrivateUrls };
  const url = inputs.buildpackUrl?.trim();
  if (url) {
    try {
      return { from: 'BUILDPACK_URL', mode: 'run', sources: [allowed(parseBuildpackUrl(url), stored)] };
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`config var BUILDPACK_URL: ${error.message}`);
      throw error;
    }
  }
  if (inputs.configured.length > 0) {
    return { from: 'buildpacks:add', mode: 'run', sources: inputs.configured.map((u) => allowed(parseBuildpackUrl(u), stored)) };
  }
  if (inputs.buildpacksFile !== undefined) {
    const sources = parseBuildpacksFile(inputs.buildpacksFile, { trust: policy.codeTrust, allowPrivateUrls: policy.allowPrivateUrls });
    if (sources.length > 0) return { from: '.buildpacks', mode: 'run', sources };
  }
  return {
    from: 'detection',
    mode: 'detect',
    sources: BUILTIN_BUILDPACKS.map((b) => ({ kind: 'builtin', url: b.id, id: b.id })),
  };
}

function allowed(source: BuildpackSource, policy: BuildpackPolicy): BuildpackSource {
  assertBuildpackAllowed(source, policy);
  return source;
}
