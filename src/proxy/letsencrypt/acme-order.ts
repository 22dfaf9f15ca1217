import acme, { type Authorization } from 'acme-client';
import { UserError } from '../../core/errors.js';
import type { CertPair } from '../certs.js';
import type { AcmeChallenge } from '../render.js';
import { explainAcmeError, explainServerError } from './acme-errors.js';

// No ACME request may hang a renewal forever; a server that does not answer is retried briefly
// (the daemon's own schedule retries later with backoff).
acme.axios.defaults.timeout = 30_000;
// acmeSettings is acme-client's own addition to its axios instance's defaults (src/axios.js), untyped.
const acmeSettings = (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number } })
  .acmeSettings;
acmeSettings.retryMaxAttempts = 3;
acmeSettings.retryDefaultDelay = 2;

export interface OrderRequest {
  directoryUrl: string;
  accountKey: Buffer;
  email: string | undefined;
  domains: readonly string[];
  /** Makes nginx answer the HTTP-01 challenges (one checked reload); resolves once it does. */
  publish(challenges: AcmeChallenge[]): Promise<void>;
  log(line: string): void;
}

/** One domain that failed validation, and why in a user's words. */
export interface DomainFailure {
  domain: string;
  cause: string;
}

/** Validation failed for some domains: nothing was issued. */
export class ValidationFailed extends UserError {
  constructor(readonly failures: DomainFailure[]) {
    super(`no certificate: ${failures.map((f) => (f.cause.includes(f.domain) ? f.cause : `${f.domain}: ${f.cause}`)).join('; ')}`);
  }
}

/**
 * Orders a certificate for `domains` over ACME with HTTP-01: registers (or finds) the account,
 * publishes every challenge through nginx, asks the server to validate them, then finalizes with
 * a fresh key. Throws a UserError that names each failing domain and the cause.
 */
export async function orderCertificate(request: OrderRequest): Promise<CertPair> {
  const { directoryUrl, domains, log } = request;
  const client = new acme.Client({ directoryUrl, accountKey: request.accountKey, backoffAttempts: 20, backoffMin: 250, backoffMax: 3000 });
  const server = <T>(step: Promise<T>) =>
    step.catch(async (error: unknown) =>
      Promise.reject(new UserError(explainServerError(directoryUrl, await networkCause(directoryUrl, error)))),
    );

  await server(client.createAccount({ termsOfServiceAgreed: true, ...(request.email ? { contact: [`mailto:${request.email}`] } : {}) }));
  const order = await server(client.createOrder({ identifiers: domains.map((value) => ({ type: 'dns', value })) }));
  const authorizations = await server(client.getAuthorizations(order));

  const pending: Array<{ domain: string; challenge: Authorization['challenges'][number] }> = [];
  const answers: AcmeChallenge[] = [];
  for (const authz of authorizations) {
    const domain = authz.identifier.value;
    if (authz.status === 'valid') {
      log(`       - ${domain}: already validated`);
      continue;
    }
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    if (!challenge) throw new ValidationFailed([{ domain, cause: 'the ACME server offers no http-01 challenge for it' }]);
    pending.push({ domain, challenge });
    answers.push({ token: challenge.token, keyAuthorization: await client.getChallengeKeyAuthorization(challenge) });
  }
  if (answers.length) await request.publish(answers);

  const results = await Promise.allSettled(
    pending.map(async ({ domain, challenge }) => {
      log(`       - ${domain}: validating over http`);
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
    }),
  );
  const failures = results.flatMap((result, i) =>
    result.status === 'rejected'
      ? [{ domain: pending[i].domain, cause: explainAcmeError(messageOf(result.reason), pending[i].domain) }]
      : [],
  );
  if (failures.length) throw new ValidationFailed(failures);

  const commonName = domains.find((domain) => domain.length <= 64);
  const [key, csr] = await acme.crypto.createCsr({ altNames: [...domains], ...(commonName ? { commonName } : {}) });
  const finalized = await server(client.finalizeOrder(order, csr));
  const crt = await server(client.getCertificate(finalized));
  return { crt: Buffer.from(crt), key: Buffer.from(key) };
}

/** A new ACME account key (PEM). */
export async function newAccountKey(): Promise<Buffer> {
  return Buffer.from(await acme.crypto.createPrivateKey());
}

/** Asks the ACME server to revoke a certificate issued to this account. */
export async function revokeCertificate(directoryUrl: string, accountKey: Buffer, crt: Buffer): Promise<void> {
  const client = new acme.Client({ directoryUrl, accountKey });
  try {
    await client.createAccount({ termsOfServiceAgreed: true, onlyReturnExisting: true });
    await client.revokeCertificate(crt);
  } catch (error) {
    throw new UserError(explainServerError(directoryUrl, await networkCause(directoryUrl, error)));
  }
}

/**
 * The error's message; when acme-client lost the network error (its retry interceptor throws a
 * TypeError once retries run out without a response), one plain request to the directory says why.
 */
async function networkCause(directoryUrl: string, error: unknown): Promise<string> {
  if (!(error instanceof TypeError)) return messageOf(error);
  try {
    const response = await fetch(directoryUrl, { signal: AbortSignal.timeout(10_000) });
    return `no usable answer (HTTP ${response.status} from the directory)`;
  } catch (probe) {
    const cause = (probe as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? messageOf(probe);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
