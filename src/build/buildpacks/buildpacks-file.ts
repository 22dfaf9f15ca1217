import { UserError } from '../../core/errors.js';
import { assertBuildpackAllowed, type BuildpackPolicy } from './buildpack-policy.js';
import { parseBuildpackUrl, type BuildpackSource } from './buildpack-url.js';

/**
 * The `.buildpacks` file: one buildpack URL per line, run in order (multi-buildpack).
 * Blank lines and `#` comment lines are skipped; each URL must be allowed by the policy. Pure.
 */
export function parseBuildpacksFile(text: string, policy: BuildpackPolicy): BuildpackSource[] {
  const sources: BuildpackSource[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    try {
      const source = parseBuildpackUrl(line);
      assertBuildpackAllowed(source, policy);
      sources.push(source);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`.buildpacks line ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  return sources;
}
