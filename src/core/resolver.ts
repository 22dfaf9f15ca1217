import { Resolver, lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Every address a name resolves to, in the order a client would try them (the system resolver's
 * order, /etc/hosts included). With PAAS_DNS_SERVERS set (comma-separated `IP` or `IP:PORT`), those
 * DNS servers are asked instead, without /etc/hosts: the integration tests point it at a DNS server
 * of their own to answer names as an attacker would.
 */
export async function resolveAll(host: string): Promise<string[]> {
  const servers = dnsServers(process.env.PAAS_DNS_SERVERS);
  if (servers.length === 0) return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  const resolver = new Resolver({ timeout: 5_000, tries: 1 });
  resolver.setServers(servers);
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (addresses.length > 0) return addresses;
  throw v4.status === 'rejected' ? v4.reason : Object.assign(new Error(`${host} has no address`), { code: 'ENODATA' });
}

/** PAAS_DNS_SERVERS as a list for Resolver.setServers; invalid entries are an error, never ignored. Pure. */
export function dnsServers(value: string | undefined): string[] {
  const servers = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const server of servers) {
    const address = /^\[(.+)\](?::\d{1,5})?$/.exec(server)?.[1] ?? server.replace(/:\d{1,5}$/, '');
    if (isIP(address) === 0 && isIP(server) === 0) throw new Error(`PAAS_DNS_SERVERS: "${server}" is not an IP address (or IP:PORT)`);
  }
  return servers;
}
