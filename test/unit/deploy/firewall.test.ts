import { describe, expect, it } from 'vitest';
import { applyFirewall, firewallRules, jumpRulesTo, removeFirewall, type Iptables } from '../../../src/deploy/firewall.js';
import { bridgeName, bridgeWildcard } from '../../../src/deploy/networks.js';

describe('bridge names', () => {
  it('fit in 15 characters and all match the instance wildcard', () => {
    const main = bridgeName('a1b2c3d4', 'paas-a1b2c3d4', true);
    const service = bridgeName('a1b2c3d4', 'paas-a1b2c3d4-postgres-blog-db', false);
    expect(main).toBe('paa1b2c3d4');
    expect(service).toMatch(/^paa1b2c3d4[0-9a-f]{5}$/);
    expect(service.length).toBeLessThanOrEqual(15);
    expect(bridgeName('a1b2c3d4', 'paas-a1b2c3d4-postgres-other', false)).not.toBe(service);
    expect(bridgeWildcard('a1b2c3d4')).toBe('paa1b2c3d4+');
  });
});

describe('firewallRules', () => {
  it('lets containers answer and reach nginx, and rejects every other connection to the host', () => {
    const { chains, jumps } = firewallRules({ instance: 'a1b2c3d4', appBridge: 'paa1b2c3d4', openPorts: [80, 443, 0, 80], hostUids: [] });
    expect(chains['PAAS-a1b2c3d4']).toEqual([
      ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'],
      ['-p', 'tcp', '--dport', '80', '-j', 'RETURN'],
      ['-p', 'tcp', '--dport', '443', '-j', 'RETURN'],
      ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ]);
    expect(chains['PAAS-a1b2c3d4-APPS']).toEqual([['-j', 'DROP']]);
    expect(jumps).toEqual([
      { parent: 'INPUT', rule: ['-i', 'paa1b2c3d4+', '-j', 'PAAS-a1b2c3d4'] },
      { parent: 'DOCKER-USER', rule: ['-i', 'paa1b2c3d4', '-o', 'paa1b2c3d4', '-j', 'PAAS-a1b2c3d4-APPS'] },
    ]);
  });

  it("covers an older install's Docker-named bridge with a jump of its own", () => {
    const { jumps } = firewallRules({ instance: 'a1b2c3d4', appBridge: 'br-0123456789ab', openPorts: [80], hostUids: [0, 995] });
    expect(jumps.map((j) => j.rule.join(' '))).toEqual([
      '-i paa1b2c3d4+ -j PAAS-a1b2c3d4',
      '-i br-0123456789ab -j PAAS-a1b2c3d4',
      '-i br-0123456789ab -o br-0123456789ab -j PAAS-a1b2c3d4-APPS',
      '-o paa1b2c3d4+ -j PAAS-a1b2c3d4-OUT',
      '-o br-0123456789ab -j PAAS-a1b2c3d4-OUT',
    ]);
  });

  it('puts docker_gwbridge (swarm tasks, overlay containers) under the same INPUT chain, and nothing else of it', () => {
    const spec = { instance: 'a1b2c3d4', appBridge: 'paa1b2c3d4', openPorts: [80], hostUids: [0] };
    const { jumps } = firewallRules({ ...spec, swarmBridge: 'docker_gwbridge' });
    expect(jumps.map((j) => `${j.parent} ${j.rule.join(' ')}`)).toEqual([
      'INPUT -i paa1b2c3d4+ -j PAAS-a1b2c3d4',
      'INPUT -i docker_gwbridge -j PAAS-a1b2c3d4',
      'DOCKER-USER -i paa1b2c3d4 -o paa1b2c3d4 -j PAAS-a1b2c3d4-APPS',
      'OUTPUT -o paa1b2c3d4+ -j PAAS-a1b2c3d4-OUT',
    ]);
    expect(firewallRules(spec).jumps.some((j) => j.rule.includes('docker_gwbridge'))).toBe(false);
  });

  it('lets only the given uids (root, nginx) open connections from the host to containers', () => {
    const { chains } = firewallRules({ instance: 'a1b2c3d4', appBridge: 'paa1b2c3d4', openPorts: [80], hostUids: [0, 995, 0] });
    expect(chains['PAAS-a1b2c3d4-OUT']).toEqual([
      ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'],
      ['-m', 'owner', '!', '--socket-exists', '-j', 'RETURN'],
      ['-m', 'owner', '--uid-owner', '0', '-j', 'RETURN'],
      ['-m', 'owner', '--uid-owner', '995', '-j', 'RETURN'],
      ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ]);
  });
});

describe('jumpRulesTo', () => {
  it("finds only the jumps to the instance's chains", () => {
    const listing = [
      '-P INPUT ACCEPT',
      '-A INPUT -i paa1b2c3d4+ -j PAAS-a1b2c3d4',
      '-A INPUT -i pa99999999+ -j PAAS-99999999',
      '-A INPUT -p tcp --dport 22 -j ACCEPT',
      '-A INPUT -i br-0123456789ab -j PAAS-a1b2c3d4',
    ].join('\n');
    expect(jumpRulesTo(listing, 'INPUT', new Set(['PAAS-a1b2c3d4']))).toEqual([
      ['-i', 'paa1b2c3d4+', '-j', 'PAAS-a1b2c3d4'],
      ['-i', 'br-0123456789ab', '-j', 'PAAS-a1b2c3d4'],
    ]);
  });
});

/** An iptables that keeps its rules in memory, enough to check what paas does to them. */
function fakeIptables(): { iptables: Iptables; tables: Map<string, string[]> } {
  const tables = new Map<string, string[]>([
    ['INPUT', ['-p tcp --dport 22 -j ACCEPT']],
    ['OUTPUT', []],
    ['DOCKER-USER', ['-j RETURN']],
    ['FORWARD', ['-j DOCKER-USER']],
  ]);
  const iptables: Iptables = async ([op, chain, ...rest]) => {
    const rules = tables.get(chain!);
    const fail = { ok: false, output: `No chain/target/match by that name: ${chain}` };
    if (op === '-N') {
      if (rules) return fail;
      tables.set(chain!, []);
      return { ok: true, output: '' };
    }
    if (!rules) return fail;
    switch (op) {
      case '-S':
        return { ok: true, output: rules.map((r) => `-A ${chain} ${r}`).join('\n') };
      case '-F':
        rules.length = 0;
        return { ok: true, output: '' };
      case '-X':
        tables.delete(chain!);
        return { ok: true, output: '' };
      case '-A':
        rules.push(rest.join(' '));
        return { ok: true, output: '' };
      case '-I':
        rules.unshift(rest.slice(1).join(' '));
        return { ok: true, output: '' };
      case '-D': {
        const at = rules.indexOf(rest.join(' '));
        if (at < 0) return fail;
        rules.splice(at, 1);
        return { ok: true, output: '' };
      }
      default:
        return fail;
    }
  };
  return { iptables, tables };
}

describe('applyFirewall and removeFirewall', () => {
  const spec = { instance: 'a1b2c3d4', appBridge: 'paa1b2c3d4', openPorts: [80, 443], hostUids: [0, 995] };

  it('are idempotent and touch no rule of anyone else', async () => {
    const { iptables, tables } = fakeIptables();
    await applyFirewall(spec, iptables);
    await applyFirewall(spec, iptables);
    expect(tables.get('INPUT')).toEqual(['-i paa1b2c3d4+ -j PAAS-a1b2c3d4', '-p tcp --dport 22 -j ACCEPT']);
    expect(tables.get('DOCKER-USER')).toEqual(['-i paa1b2c3d4 -o paa1b2c3d4 -j PAAS-a1b2c3d4-APPS', '-j RETURN']);
    expect(tables.get('OUTPUT')).toEqual(['-o paa1b2c3d4+ -j PAAS-a1b2c3d4-OUT']);
    expect(tables.get('PAAS-a1b2c3d4')).toHaveLength(5);
    expect(tables.get('PAAS-a1b2c3d4-OUT')).toHaveLength(6);
    await removeFirewall('a1b2c3d4', iptables);
    await removeFirewall('a1b2c3d4', iptables);
    expect([...tables.keys()].sort()).toEqual(['DOCKER-USER', 'FORWARD', 'INPUT', 'OUTPUT']);
    expect(tables.get('OUTPUT')).toEqual([]);
    expect(tables.get('INPUT')).toEqual(['-p tcp --dport 22 -j ACCEPT']);
    expect(tables.get('DOCKER-USER')).toEqual(['-j RETURN']);
  });
});
