import { renderCommandHelp, renderCommandList } from '../help.js';
import type { Part } from '../part.js';

export const helpPart: Part = {
  name: 'help',
  description: 'help and --help for every command',
  register({ commands }) {
    commands.register({
      name: 'help',
      summary: 'List commands, or show how to use one',
      usage: '[COMMAND]',
      examples: ['paas help', 'paas help config:set'],
      arity: [0, 1],
      handler({ args: [name], stdout }) {
        stdout.write(name ? renderCommandHelp(commands.resolve(name)) : renderCommandList(commands.list()));
      },
    });
  },
};
