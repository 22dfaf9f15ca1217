import { PAAS_VERSION } from '../../version.js';
import { writeLine } from '../output.js';
import { readApiCertificate } from '../../daemon/api-tls.js';
import type { Part } from '../part.js';

export const versionPart: Part = {
  name: 'version',
  description: 'the version command',
  register({ commands, settings, paths }) {
    commands.register({
      name: 'version',
      summary: 'Print the versions of the paas client and daemon',
      usage: '',
      examples: ['paas version'],
      arity: [0, 0],
      handler({ stdout }) {
        writeLine(stdout, `paas daemon ${PAAS_VERSION}`);
        // Where a laptop can check what it pins (not shown when the API speaks plain HTTP).
        const certificate = settings.apiTls && settings.apiPort !== 0 ? readApiCertificate(paths.home) : undefined;
        if (certificate) writeLine(stdout, `paas API certificate SHA-256 ${certificate.fingerprint}`);
      },
    });
  },
};
