import { oneLine } from '../../core/errors.js';

/**
 * What went wrong with an ACME request, in words a user can act on, followed by the ACME
 * server's own detail. `domain` is the name being validated, when the failure is about one. Pure.
 */
export function explainAcmeError(detail: string, domain?: string): string {
  const raw = oneLine(detail);
  const name = domain ?? 'the domain';
  if (/rateLimited|rate.?limit|too many (certificates|failed|new orders|requests)/i.test(raw)) {
    return `the ACME server's rate limit was hit; wait before retrying, or test with: paas letsencrypt:set APP server staging (ACME: ${raw})`;
  }
  if (/NXDOMAIN|no such host|no valid (A|AAAA)|DNS problem|SERVFAIL|could not resolve|no IP address|lookup .* (on|failed)/i.test(raw)) {
    return `${name} does not resolve to an address: point its DNS A/AAAA record at this server (ACME: ${raw})`;
  }
  if (
    /connection refused|ECONNREFUSED|timed? ?out|i\/o timeout|no route to host|network is unreachable|Connection reset|connection/i.test(
      raw,
    ) &&
    domain
  ) {
    return `port 80 of ${name} cannot be reached from the ACME server: make sure the DNS record points at this server and port 80 is open (ACME: ${raw})`;
  }
  if (/unauthorized|invalid response|403|404|key ?authorization/i.test(raw) && domain) {
    return `the ACME server reached ${name} but not this server's answer: the domain probably points at another server (ACME: ${raw})`;
  }
  return raw;
}

/** A failure to talk to the ACME server at all (down, wrong URL, untrusted certificate). Pure. */
export function explainServerError(directoryUrl: string, detail: string): string {
  const raw = oneLine(detail);
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|socket hang up|timeout/i.test(raw)) {
    return `cannot reach the ACME server ${directoryUrl}: ${raw}`;
  }
  if (/certificate|self.signed|UNABLE_TO_VERIFY/i.test(raw)) {
    return `the ACME server ${directoryUrl} has a certificate this server does not trust (${raw}); for a private ACME server start the daemon with NODE_EXTRA_CA_CERTS=FILE`;
  }
  return explainAcmeError(raw);
}
