import { contextPath } from './build-context.js';
import type { BuilderRegistry } from './builder.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import type { TopicSpec } from '../core/properties.js';

/**
 * builder:set / builder:report: which builder builds an app and from which folder of the
 * repository. The one declaration of these properties; the deployer reads them through it.
 */
export function builderTopic(builders?: BuilderRegistry): TopicSpec {
  return {
    topic: 'builder',
    namespace: 'builder',
    properties: [
      {
        key: 'build-dir',
        scope: 'app+global',
        summary: 'build from this folder of the repository (monorepos)',
        validate: (value) => contextPath(value, 'build directory'),
      },
      {
        key: 'selected',
        scope: 'app+global',
        summary: `the builder to use instead of detection (${builders?.names().join(' or ') ?? 'a builder name'})`,
        validate: (value) => {
          if (builders && !builders.find(value)) {
            throw new UserError(
              `unknown builder "${printable(value)}"; pick one of: ${builders.names().join(', ')} (or no value to detect it)`,
            );
          }
          return value;
        },
      },
    ],
  };
}

/** For reading only (no validation needed). */
export const BUILDER_TOPIC = builderTopic();
