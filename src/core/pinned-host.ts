import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type RequestOptions, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { UserError } from './errors.js';
import { printable } from './names.js';
import { isPrivateAddress, isPrivateHost } from './private-addresses.js';
import { resolveAll } from './resolver.js';

/*
 * DNS pinning for every outbound connection to a host a caller chose (a deploy source, a backup
 * endpoint, a buildpack, a healthcheck's onFailure URL). The name is resolved ONCE, every answer is
 * checked, and the client is then handed the checked addresses, so it never asks DNS again: a name
 * that answers a public address to the check and 127.0.0.1 to the client (DNS rebinding) cannot
 * lead the daemon into the server's own network. TLS still checks the certificate against the name.
 */

/** A host name and the addresses that were checked for it; connections go to these only. */
export interface PinnedHost {
  /** The name as the URL gives it, IPv6 brackets removed. */
  host: string;
  /** In the resolver's order; never empty. */
  addresses: string[];
}

export type PinOutcome =
  | { pin: PinnedHost }
  /** `address` is the private answer (absent when the name itself is `localhost` or alike). */
  | { refused: 'private'; address?: string }
  | { refused: 'unresolvable'; code: string };

/** Resolves `host` once and pins it; private answers are refused unless `allowPrivate`. */
export async function pinHost(host: string, allowPrivate: boolean): Promise<PinOutcome> {
  const name = host.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isPrivateHost(name)) return { refused: 'private', ...(isIP(name) ? { address: name } : {}) };
  if (isIP(name) !== 0) return choosePin(name, [name], allowPrivate);
  try {
    return choosePin(name, await resolveAll(name), allowPrivate);
  } catch (error) {
    return { refused: 'unresolvable', code: (error as NodeJS.ErrnoException).code ?? 'error' };
  }
}

/** The pin for a name's answers: refused if there are none, or (unless allowed) if any is private. Pure. */
export function choosePin(host: string, addresses: readonly string[], allowPrivate: boolean): PinOutcome {
  const usable = addresses.filter((address) => isIP(address) !== 0);
  if (usable.length === 0) return { refused: 'unresolvable', code: 'ENODATA' };
  const blocked = addresses.find(isPrivateAddress);
  if (!allowPrivate && blocked !== undefined) return { refused: 'private', address: blocked };
  return { pin: { host, addresses: usable } };
}

/**
 * A remote caller's host, pinned, or a UserError: `WHAT "URL" points at HOST (ADDRESS), a private
 * or loopback address...` or `cannot resolve HOST for WHAT "URL"`.
 */
export async function pinPublicHost(host: string, what: string, url: string): Promise<PinnedHost> {
  return pinOrThrow(await pinHost(host, false), host, what, url);
}

/** The pin of an outcome, or the UserError that says why there is none. */
export function pinOrThrow(outcome: PinOutcome, host: string, what: string, url: string): PinnedHost {
  if ('pin' in outcome) return outcome.pin;
  const name = host.replace(/^\[|\]$/g, '');
  if (outcome.refused === 'unresolvable') {
    throw new UserError(`cannot resolve ${printable(name)} for ${what} "${printable(url)}" (${outcome.code})`);
  }
  const shown = outcome.address && outcome.address !== name ? ` (${outcome.address})` : '';
  throw new UserError(
    `${what} "${printable(url)}" points at ${printable(name)}${shown}, a private or loopback address, which remote clients may not reach`,
  );
}

/**
 * A `lookup` for Node's net/tls/http(s) (and so for agents and the S3 client's handler) that
 * answers the pinned addresses without asking DNS, in the single or the `all` form. Any other
 * name fails: a client that wanted to reach another host than the checked one gets no address.
 */
export function pinnedLookup(pin: PinnedHost): LookupFunction {
  const wanted = normalName(pin.host);
  return ((name: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    if (normalName(name) !== wanted) {
      const error = Object.assign(new Error(`${name} is not the host that was checked (${pin.host})`), { code: 'ENOTFOUND' });
      return callback(error, options.all ? [] : undefined, 0);
    }
    const answers = answersFor(pin, options.family);
    if (answers.length === 0) {
      return callback(
        Object.assign(new Error(`${name} has no address of that family`), { code: 'ENODATA' }),
        options.all ? [] : undefined,
        0,
      );
    }
    if (options.all) callback(null, answers);
    else callback(null, answers[0].address, answers[0].family);
  }) as unknown as LookupFunction; // Node's overloads of the callback do not narrow on `all`
}

/** The pinned addresses as lookup answers, of one family if asked (4, 6, 'IPv4', 'IPv6'; 0 for both). Pure. */
export function answersFor(pin: PinnedHost, family?: number | string): Array<{ address: string; family: 4 | 6 }> {
  const wanted = family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : 0;
  return pin.addresses
    .map((address) => ({ address, family: (isIP(address) === 6 ? 6 : 4) as 4 | 6 }))
    .filter((answer) => wanted === 0 || answer.family === wanted);
}

function normalName(name: string): string {
  return name
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** http and https agents whose connections go to the pinned addresses (for the S3 client's request handler). */
export function pinnedAgents(pin: PinnedHost): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  const lookup = pinnedLookup(pin);
  return { httpAgent: new HttpAgent({ keepAlive: true, lookup }), httpsAgent: new HttpsAgent({ keepAlive: true, lookup }) };
}

/**
 * An http(s) request to `url`, whose host must be the pinned one, connected to the pinned address;
 * TLS still sends the name (SNI) and checks the certificate against it. No redirects are followed.
 */
export function pinnedRequest(
  url: URL,
  pin: PinnedHost,
  options: RequestOptions,
  onResponse: (res: IncomingMessage) => void,
): ClientRequest {
  const secure = url.protocol === 'https:';
  const name = url.hostname.replace(/^\[|\]$/g, '');
  return (secure ? httpsRequest : httpRequest)(
    url,
    { ...options, agent: false, lookup: pinnedLookup(pin), ...(secure && isIP(name) === 0 ? { servername: name } : {}) },
    onResponse,
  );
}

/**
 * git's `-c` settings that pin an http(s) remote: curl gets the checked addresses for HOST:PORT
 * (`http.curloptResolve`) so it does not resolve the name, and follows no redirect (a redirect to
 * another name would be resolved by curl) unless `followRedirects` (root, who may reach anything,
 * keeps git's default). Pure.
 */
export function gitHttpPin(pin: PinnedHost, port: number, followRedirects = false): string[] {
  const addresses = pin.addresses.map((address) => (isIP(address) === 6 ? `[${address}]` : address)).join(',');
  const names = new Set([pin.host, pin.host.replace(/\.$/, '')]);
  return [
    ...[...names].flatMap((name) => ['-c', `http.curloptResolve=${name}:${port}:${addresses}`]),
    ...(followRedirects ? [] : ['-c', 'http.followRedirects=false']),
  ];
}

/**
 * GIT_SSH_COMMAND that pins an ssh remote: ssh connects to the first checked address (HostName)
 * and checks the host key under the name (HostKeyAlias). Both values are an IP address and a host
 * name validated by the URL parsers, so this one shell string git needs holds nothing a shell
 * would interpret. Pure.
 */
export function gitSshPin(pin: PinnedHost): string {
  if (isIP(pin.host) !== 0) return 'ssh -o BatchMode=yes'; // an address: nothing to resolve
  if (!/^[A-Za-z0-9.-]+$/.test(pin.host) || pin.addresses.some((address) => isIP(address) === 0)) {
    throw new Error(`refusing to pin ssh to ${pin.host}: not a plain host name and address`);
  }
  return `ssh -o BatchMode=yes -o HostName=${pin.addresses[0]} -o HostKeyAlias=${pin.host}`;
}
