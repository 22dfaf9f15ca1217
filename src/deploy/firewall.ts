import { execFile } from 'node:child_process';
import { bridgeWildcard } from './networks.js';

/**
 * iptables rules owned by one paas instance, so app and service containers cannot open
 * connections to the host through their bridge's gateway (the daemon's API and SSH ports, a
 * database on the host, ...); only nginx's ports stay open to them, so an app can still call
 * another app by its public URL. Everything sits in the instance's own chain; the only rules
 * outside it are the jumps to it. Nothing else is ever flushed or deleted.
 */
export interface FirewallSpec {
  instance: string;
  /** The paas network's bridge: named `pa<instance>` by this version, `br-<id>` by older ones. */
  appBridge: string;
  /** Host ports containers may still connect to (nginx's http and https ports). */
  openPorts: number[];
}

export const chainName = (instance: string): string => `PAAS-${instance}`;
/** App-to-app traffic on the paas network (for networks made before Docker's icc switch was set). */
export const appsChainName = (instance: string): string => `PAAS-${instance}-APPS`;

/** The jumps: built-in (or Docker's) chain plus the rule that leads into a paas chain. */
export interface Jump {
  parent: string;
  rule: string[];
}

/** What the chains hold and where they are jumped to from. Pure. */
export function firewallRules(spec: FirewallSpec): { chains: Record<string, string[][]>; jumps: Jump[] } {
  const chain = chainName(spec.instance);
  const apps = appsChainName(spec.instance);
  const input: string[][] = [
    ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'],
    ...[...new Set(spec.openPorts.filter((port) => port > 0))].map((port) => ['-p', 'tcp', '--dport', String(port), '-j', 'RETURN']),
    ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
  ];
  const wildcard = bridgeWildcard(spec.instance);
  const jumps: Jump[] = [{ parent: 'INPUT', rule: ['-i', wildcard, '-j', chain] }];
  if (!matchesWildcard(spec.appBridge, wildcard)) jumps.push({ parent: 'INPUT', rule: ['-i', spec.appBridge, '-j', chain] });
  jumps.push({ parent: 'DOCKER-USER', rule: ['-i', spec.appBridge, '-o', spec.appBridge, '-j', apps] });
  return { chains: { [chain]: input, [apps]: [['-j', 'DROP']] }, jumps };
}

function matchesWildcard(name: string, wildcard: string): boolean {
  return name.startsWith(wildcard.slice(0, -1));
}

export type Iptables = (args: string[]) => Promise<{ ok: boolean; output: string }>;

/** Runs iptables with an argv array; `-w` waits for the lock Docker also takes. */
export const runIptables: Iptables = (args) =>
  new Promise((resolve) => {
    execFile('iptables', ['-w', ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ ok: !error, output: `${stdout}${stderr}`.trim() || (error?.message ?? '') });
    });
  });

/**
 * Makes the instance's chains hold exactly the rules for `spec` and jumps into them; safe to
 * run again (every start does). Throws with iptables' message when it cannot.
 */
export async function applyFirewall(spec: FirewallSpec, iptables: Iptables = runIptables): Promise<void> {
  const { chains, jumps } = firewallRules(spec);
  await removeJumps(spec.instance, iptables);
  for (const [chain, rules] of Object.entries(chains)) {
    await iptables(['-N', chain]); // fails when it exists, which is fine: it is flushed next
    await must(iptables(['-F', chain]));
    for (const rule of rules) await must(iptables(['-A', chain, ...rule]));
  }
  for (const jump of jumps) await must(iptables(['-I', jump.parent, '1', ...jump.rule]));
}

/** Removes the instance's jumps and chains (daemon stop, uninstall); what is not there is fine. */
export async function removeFirewall(instance: string, iptables: Iptables = runIptables): Promise<void> {
  await removeJumps(instance, iptables);
  for (const chain of [chainName(instance), appsChainName(instance)]) {
    await iptables(['-F', chain]);
    await iptables(['-X', chain]);
  }
}

/** Deletes every rule in INPUT and DOCKER-USER that jumps to one of the instance's chains. */
async function removeJumps(instance: string, iptables: Iptables): Promise<void> {
  const targets = new Set([chainName(instance), appsChainName(instance)]);
  for (const parent of ['INPUT', 'DOCKER-USER']) {
    const listing = await iptables(['-S', parent]);
    if (!listing.ok) continue;
    for (const rule of jumpRulesTo(listing.output, parent, targets)) await iptables(['-D', parent, ...rule]);
  }
}

/** The rules of `iptables -S PARENT` output that jump to one of `targets`, as argv. Pure. */
export function jumpRulesTo(listing: string, parent: string, targets: ReadonlySet<string>): string[][] {
  return listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words[0] === '-A' && words[1] === parent)
    .map((words) => words.slice(2))
    .filter((rule) => {
      const jump = rule.indexOf('-j');
      return jump >= 0 && targets.has(rule[jump + 1] ?? '') && jump === rule.length - 2;
    });
}

async function must(result: Promise<{ ok: boolean; output: string }>): Promise<void> {
  const { ok, output } = await result;
  if (!ok) throw new Error(`iptables: ${output}`);
}
