import { createHash, X509Certificate } from 'node:crypto';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { readApiCertificate, type ApiCertificate } from './api-tls.js';
import type { Part, PartApi } from '../core/part.js';

/** The API port's certificate, for pinning it from a laptop (the CLI, git). */
export const apiPart: Part = {
  name: 'api',
  description: 'api:* commands: the certificate of the TLS API port, to pin it',
  register(api) {
    const { commands } = api;
    commands.register({
      name: 'api:fingerprint',
      summary: "Print the SHA-256 fingerprint of the API port's certificate (to pin it)",
      usage: '[--pubkey]',
      description:
        'Compare it with what the paas command prints the first time it connects from a laptop, or set it there:\n' +
        '  export PAAS_API_FINGERPRINT=AB:CD:...\n' +
        "--pubkey prints the key's pin for git instead: git config http.https://HOST:PORT/.pinnedPubkey sha256//...",
      examples: ['paas api:fingerprint', 'paas api:fingerprint --pubkey'],
      flags: { pubkey: { type: 'boolean', description: "the public key's sha256// pin, as curl and git take it" } },
      arity: [0, 0],
      handler({ flags, stdout }) {
        const certificate = requireCertificate(api);
        writeLine(stdout, flags.pubkey ? publicKeyPin(certificate.cert) : certificate.fingerprint);
      },
    });

    commands.register({
      name: 'api:certificate',
      summary: "Print the API port's certificate (PEM), for git over HTTPS",
      usage: '',
      description:
        'Save it on the laptop and tell git to trust it for this server:\n' +
        '  paas api:certificate > ~/.config/paas/HOST.pem\n' +
        '  git config --global http.https://HOST:PORT/.sslCAInfo ~/.config/paas/HOST.pem',
      examples: ['paas api:certificate > ~/.config/paas/server.pem'],
      arity: [0, 0],
      handler({ stdout }) {
        stdout.write(requireCertificate(api).cert);
      },
    });
  },
};

/** `sha256//BASE64` of the certificate's public key (curl's CURLOPT_PINNEDPUBLICKEY). */
export function publicKeyPin(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${createHash('sha256').update(der).digest('base64')}`;
}

function requireCertificate({ settings, paths }: Pick<PartApi, 'settings' | 'paths'>): ApiCertificate {
  const certificate = settings.apiTls ? readApiCertificate(paths.home) : undefined;
  if (!certificate) {
    throw new UserError(
      `the API on port ${settings.apiPort} speaks plain HTTP (bound to loopback, or PAAS_API_INSECURE=1), so it has no certificate`,
    );
  }
  return certificate;
}
