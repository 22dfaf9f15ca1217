import { execFile } from 'node:child_process';
import { bridgeWildcard } from './networks.js';

/**
 * iptables rules owned by one paas instance, so app and service containers cannot open
 * connections to the host through their bridge's gateway (the daemon's API and SSH ports, a
 * database on the host, ...); only nginx's ports stay open to them, so an app can still call
 * another app by its public URL. Local users other than root and nginx's workers cannot
 * connect to containers either: the way in is nginx. Everything sits in the instance's own
 * chains; the only rules outside them are the jumps to them. Nothing else is ever flushed or deleted.
 * Swarm's own traffic does not pass these rules: its gossip and VXLAN go host to host, and
 * published ports reach tasks through Docker's forwarding, not the host's INPUT.
 */
export interface FirewallSpec {
  instance: string;
  /** The paas network's bridge: named `pa<instance>` by this version, `br-<id>` by older ones. */
  appBridge: string;
  /** Host ports containers may still connect to (nginx's http and https ports). */
  openPorts: number[];
  /**
   * The uids that may open connections from the host to containers (root: the daemon; nginx's
   * workers). Empty: no such filter (a daemon that is not root, where nginx runs as it).
   */
  hostUids: number[];
  /**
   * Docker's `docker_gwbridge` (its bridge's name), when the engine has one: swarm tasks and
   * containers on attachable overlay networks reach the host through it. It gets the same INPUT
   * rule as the paas bridges; undefined: not there (no swarm), no rule.
   */
  swarmBridge?: string;
}

/** The network Docker makes for swarm tasks' and overlay containers' way out (and to the host). */
export const SWARM_BRIDGE_NETWORK = 'docker_gwbridge';

export const chainName = (instance: string): string => `PAAS-${instance}`;
/** App-to-app traffic on the paas network (for networks made before Docker's icc switch was set). */
export const appsChainName = (instance: string): string => `PAAS-${instance}-APPS`;
/** Connections from the host's users to containers: only the daemon and nginx, not every local user. */
export const outputChainName = (instance: string): string => `PAAS-${instance}-OUT`;

const REJECT: string[][] = [
  ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
];
const ANSWERS = ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'];

/** The jumps: built-in (or Docker's) chain plus the rule that leads into a paas chain. */
export interface Jump {
  parent: string;
  rule: string[];
}

/** What the chains hold and where they are jumped to from. Pure. */
export function firewallRules(spec: FirewallSpec): { chains: Record<string, string[][]>; jumps: Jump[] } {
  const chain = chainName(spec.instance);
  const apps = appsChainName(spec.instance);
  const output = outputChainName(spec.instance);
  const input: string[][] = [
    ANSWERS,
    ...[...new Set(spec.openPorts.filter((port) => port > 0))].map((port) => ['-p', 'tcp', '--dport', String(port), '-j', 'RETURN']),
    ...REJECT,
  ];
  const wildcard = bridgeWildcard(spec.instance);
  const bridges = matchesWildcard(spec.appBridge, wildcard) ? [wildcard] : [wildcard, spec.appBridge];
  const jumps: Jump[] = [...bridges, ...(spec.swarmBridge ? [spec.swarmBridge] : [])].map((bridge) => ({
    parent: 'INPUT',
    rule: ['-i', bridge, '-j', chain],
  }));
  jumps.push({ parent: 'DOCKER-USER', rule: ['-i', spec.appBridge, '-o', spec.appBridge, '-j', apps] });
  const chains: Record<string, string[][]> = { [chain]: input, [apps]: [['-j', 'DROP']] };
  if (spec.hostUids.length) {
    chains[output] = [
      ANSWERS,
      // Packets the kernel makes itself (resets, ICMP errors) have no socket, hence no owner.
      ['-m', 'owner', '!', '--socket-exists', '-j', 'RETURN'],
      ...[...new Set(spec.hostUids)].map((uid) => ['-m', 'owner', '--uid-owner', String(uid), '-j', 'RETURN']),
      ...REJECT,
    ];
    jumps.push(...bridges.map((bridge) => ({ parent: 'OUTPUT', rule: ['-o', bridge, '-j', output] })));
  }
  return { chains, jumps };
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
  for (const chain of [chainName(instance), appsChainName(instance), outputChainName(instance)]) {
    await iptables(['-F', chain]);
    await iptables(['-X', chain]);
  }
}

/** Deletes every rule in INPUT, OUTPUT and DOCKER-USER that jumps to one of the instance's chains. */
async function removeJumps(instance: string, iptables: Iptables): Promise<void> {
  const targets = new Set([chainName(instance), appsChainName(instance), outputChainName(instance)]);
  for (const parent of ['INPUT', 'OUTPUT', 'DOCKER-USER']) {
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
