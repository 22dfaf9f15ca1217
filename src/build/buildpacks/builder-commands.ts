import { builderTopic } from '../builder-properties.js';
import { registerTopic } from '../../core/property-commands.js';
import type { PartApi } from '../../core/part.js';

/** builder:set and builder:report: which builder builds an app, and from which folder. */
export function registerBuilderCommands(api: PartApi): void {
  registerTopic(api, builderTopic(api.builders), {
    setDescription:
      'build-dir: the folder of the repository that is built, for both builders: its Dockerfile, Procfile and\n' +
      'app.json are the ones read. selected: unset, a Dockerfile in that folder (the root without build-dir)\n' +
      'picks dockerfile, else buildpacks.',
    setExamples: [
      'paas builder:set blog selected buildpacks',
      'paas builder:set blog build-dir apps/web',
      'paas builder:set --global selected dockerfile',
      'paas builder:set blog selected',
    ],
    reportSummary: "Show an app's builder settings",
  });
}
