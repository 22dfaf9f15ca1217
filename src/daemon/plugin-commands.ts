import { renderTable, writeLine } from '../core/output.js';
import { PAAS_VERSION } from '../version.js';
import type { Part } from '../core/part.js';

/** plugin:list and plugin:install, over every registered part. */
export function pluginCommandsPart(parts: readonly Part[]): Part {
  return {
    name: 'plugin',
    description: 'plugin:list and plugin:install',
    register({ commands, events }) {
      commands.register({
        name: 'plugin:list',
        summary: 'List the built-in and installed plugins',
        usage: '',
        examples: ['paas plugin:list'],
        arity: [0, 0],
        handler({ stdout }) {
          writeLine(stdout, '=====> Plugins');
          stdout.write(renderTable(['NAME', 'VERSION', 'DESCRIPTION'], parts.map((p) => [p.name, PAAS_VERSION, p.description])));
        },
      });

      commands.register({
        name: 'plugin:install',
        summary: "Run every plugin's install step: prepares the images they need (built locally when no registry answers)",
        usage: '',
        description: 'scripts/install.sh runs this. Builds take minutes the first time and are reused after.',
        examples: ['paas plugin:install'],
        arity: [0, 0],
        async handler({ stdout }) {
          await events.emit('install', { output: stdout });
          writeLine(stdout, '-----> Plugins installed');
        },
      });
    },
  };
}
