import { builderTopic } from '../builder-properties.js';
import { registerTopic } from '../../core/property-commands.js';
import type { PartApi } from '../../core/part.js';

/** builder:set and builder:report: which builder builds an app, and from which folder. */
export function registerBuilderCommands(api: PartApi): void {
  registerTopic(api, builderTopic(api.builders), {
    setDescription: 'selected: a Dockerfile at the root picks dockerfile, else buildpacks. build-dir: buildpacks and Dockerfile builds.',
    setExamples: ['paas builder:set blog selected buildpacks', 'paas builder:set blog build-dir apps/web', 'paas builder:set --global selected dockerfile', 'paas builder:set blog selected'],
    reportSummary: "Show an app's builder settings",
  });
}
