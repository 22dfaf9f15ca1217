import { UserError } from '../../core/errors.js';
import { renderTable, writeJson, writeLine } from '../../core/output.js';
import { renderReport } from '../../core/reports.js';
import { servicePart } from '../../plugins/service-kit/service-part.js';
import { PAAS_VERSION } from '../../version.js';

/**
 * What a plugin from outside the repository gets: its module's default export is called with
 * this kit and returns its part (or parts). Nothing else of paas needs importing, so a plugin is
 * one file in any folder (see docs/plugins.md).
 */
export const PLUGIN_KIT = {
  /** Bumped when a plugin written for an older kit could break. */
  apiVersion: 1,
  paasVersion: PAAS_VERSION,
  /** A whole service plugin (create, link, info, ...) from a ServiceDefinition. */
  servicePart,
  /** Throw it for bad input: the user sees its message on one line, and the command fails. */
  UserError,
  writeLine,
  writeJson,
  renderTable,
  renderReport,
};

export type PluginKit = typeof PLUGIN_KIT;
