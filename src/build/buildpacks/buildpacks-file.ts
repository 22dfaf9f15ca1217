import { UserError } from '../../core/errors.js';
import { parseBuildpackUrl, type BuildpackSource } from './buildpack-url.js';

/**
 * The `.buildpacks` file: one buildpack URL per line, run in order (multi-buildpack).
 * Blank lines and `#` comment lines are skipped. Pure.
 */
export function parseBuildpacksFile(text: string): BuildpackSource[] {
  const sources: BuildpackSource[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    try {
      sources.push(parseBuildpackUrl(line));
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`.buildpacks line ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  return sources;
}
