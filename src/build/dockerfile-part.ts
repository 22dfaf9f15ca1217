import Docker from 'dockerode';
import { readTarEntry } from './build-context.js';
import { buildDockerfileImage } from './dockerfile-builder.js';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { writeLine } from '../core/output.js';
import type { Part } from '../daemon/part.js';

export const BUILD_ARGS = { namespace: 'builder-dockerfile', key: 'build-args' } as const;

/** The Dockerfile builder: used when the pushed code has a Dockerfile (or it is chosen). */
export const dockerfileBuilderPart: Part = {
  name: 'builder-dockerfile',
  description: 'builds apps from their Dockerfile',
  register({ builders, store, commands }) {
    const docker = new Docker();
      commands.register({
        name: 'builder-dockerfile:set',
        summary: 'Set a Dockerfile builder setting (build-args: config vars passed as build args)',
        usage: 'APP build-args [KEY1,KEY2,...]',
        description: 'Config vars are not visible during the build unless named here; they become --build-arg values.',
        examples: ['paas builder-dockerfile:set blog build-args NPM_TOKEN,NODE_ENV'],
        arity: [2, 3],
        handler({ args: [name, key, value], stdout }) {
          const app = requireApp(store, name!);
          if (key !== BUILD_ARGS.key) throw new UserError(`unknown setting "${printable(key!)}"; the settings are: build-args`);
          const names = (value ?? '').split(',').filter(Boolean);
          for (const arg of names) {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) throw new UserError(`invalid build arg name "${printable(arg)}"`);
          }
          store.properties.set(app.id, BUILD_ARGS.namespace, BUILD_ARGS.key, names.length ? names.join(',') : undefined);
          writeLine(stdout, `-----> Build args of ${app.name}: ${names.join(', ') || 'none'}`);
        },
      });

    builders.register({
      name: 'dockerfile',
      async detect({ tarPath, subdir }) {
        return (await readTarEntry(tarPath, subdir ? `${subdir}/Dockerfile` : 'Dockerfile')) !== undefined;
      },
      async build(request) {
        request.step(`Building ${request.app.name} from Dockerfile`);
        const built = await buildDockerfileImage(docker, {
          tarPath: request.tarPath,
          subdir: request.subdir,
          tag: request.tag,
          buildArgs: buildArgs(store.properties.effective(request.app.id, BUILD_ARGS.namespace, BUILD_ARGS.key), request),
          labels: request.labels,
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
  for (const name of (setting ?? '').split(',').map((n) => n.trim()).filter(Boolean)) {
    if (name in request.config) args[name] = request.config[name]!;
    else request.detail(`warning: build arg ${name} is not a config var of ${request.app.name}; skipped`);
  }
  return args;
}
