import { PAAS_VERSION } from '../../version.js';
import { writeLine } from '../output.js';
import type { Part } from '../../daemon/part.js';

export const versionPart: Part = {
  name: 'version',
  description: 'the version command',
  register({ commands }) {
    commands.register({
      name: 'version',
      summary: 'Print the versions of the paas client and daemon',
      usage: '',
      examples: ['paas version'],
      arity: [0, 0],
      handler({ stdout }) {
        writeLine(stdout, `paas daemon ${PAAS_VERSION}`);
      },
    });
  },
};
