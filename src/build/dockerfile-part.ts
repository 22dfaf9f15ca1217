import { readTarEntry } from './build-context.js';
import { buildDockerfileImage, declaredArgs } from './dockerfile-builder.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { TopicSpec } from '../core/properties.js';
import type { Part } from '../core/part.js';

export const BUILD_ARGS = { namespace: 'builder-dockerfile', key: 'build-args' } as const;

const DOCKERFILE_TOPIC: TopicSpec = {
  topic: 'builder-dockerfile',
  namespace: BUILD_ARGS.namespace,
  properties: [
    {
      key: BUILD_ARGS.key,
      scope: 'app+global',
      summary: 'config vars passed to the build as --build-arg, comma-separated',
      validate(value) {
        const names = value
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean);
        for (const arg of names) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) throw new UserError(`invalid build arg name "${printable(arg)}"`);
        }
        return names.join(',');
      },
    },
  ],
};

/**
 * The classic builder has no secret mounts: a --build-arg's value stays in the image's history,
 * where everyone who can run docker on the server, or pull the image, reads it.
 */
export const BUILD_ARGS_WARNING =
  ' !     warning: build arg values are kept in the image (docker history shows them); ' +
  'pass no secrets this way: give them to the app at run time as config vars';

/** The Dockerfile builder: used when the pushed code has a Dockerfile (or it is chosen). */
export const dockerfileBuilderPart: Part = {
  name: 'builder-dockerfile',
  description: 'builds apps from their Dockerfile',
  register(api) {
    const { builders, store } = api;
    const docker = api.docker;
    registerTopic(api, DOCKERFILE_TOPIC, {
      setDescription:
        'Config vars are not visible during a Dockerfile build unless build-args names them; they become --build-arg values.\n' +
        'Their values are kept in the image (docker history shows them): name no secrets here.',
      setExamples: ['paas builder-dockerfile:set blog build-args NPM_TOKEN,NODE_ENV', 'paas builder-dockerfile:set blog build-args'],
      reportExampleKey: 'build-args',
      apply(change, { stderr }) {
        store.properties.set(change.app?.id ?? null, change.namespace, change.key, change.value);
        if (change.value) writeLine(stderr, BUILD_ARGS_WARNING);
      },
    });

    builders.register({
      name: 'dockerfile',
      async detect({ tarPath, subdir }) {
        return (await readTarEntry(tarPath, subdir ? `${subdir}/Dockerfile` : 'Dockerfile')) !== undefined;
      },
      async inputs(request) {
        const setting = store.properties.effective(request.app.id, BUILD_ARGS.namespace, BUILD_ARGS.key);
        // The commit (GIT_REV) counts only when the Dockerfile declares its ARG: otherwise the
        // build never sees it, and a new commit of the same tree reuses the image.
        const dockerfile = await readTarEntry(request.tarPath, request.subdir ? `${request.subdir}/Dockerfile` : 'Dockerfile');
        const commit = dockerfile ? declaredArgs(dockerfile.toString('utf8'), request.buildEnv) : {};
        return { buildArgs: { ...buildArgs(setting, { ...request, detail: () => undefined }), ...commit } };
      },
      async build(request) {
        request.step(`Building ${request.app.name} from Dockerfile`);
        const built = await buildDockerfileImage(docker, {
          tarPath: request.tarPath,
          subdir: request.subdir,
          tag: request.tag,
          network: request.network,
          buildArgs: buildArgs(store.properties.effective(request.app.id, BUILD_ARGS.namespace, BUILD_ARGS.key), request),
          declaredArgs: request.buildEnv,
          ...(request.docker ? { overrides: request.docker } : {}),
          // No labels: the classic builder adds a LABEL step for them (a container and a commit,
          // 0.2 to 0.5 s a build); the image's repository (paas-INSTANCE/APP) names it.
          onLine: request.detail,
          signal: request.signal,
        });
        return { ...built, defaultProcessTypes: {} };
      },
    });
  },
};

/** Only the config vars named with `builder-dockerfile:set APP build-args` reach the build. */
function buildArgs(
  setting: string | undefined,
  request: { config: Record<string, string>; app: { name: string }; detail(text: string): void },
): Record<string, string> {
  const args: Record<string, string> = {};
  for (const name of (setting ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)) {
    if (name in request.config) args[name] = request.config[name]!;
    else request.detail(`warning: build arg ${name} is not a config var of ${request.app.name}; skipped`);
  }
  return args;
}
