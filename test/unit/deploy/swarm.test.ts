import { describe, expect, it } from 'vitest';
import { dockerHostOptions, parseLabels } from '../../../src/deploy/commands/nodes.js';
import { parseConstraints } from '../../../src/deploy/scheduler-topics.js';
import { serviceSpec } from '../../../src/deploy/swarm-spec.js';
import { checkWords, swarmHealth } from '../../../src/deploy/swarm-health.js';
import { parseAppJson } from '../../../src/deploy/app-json.js';
import { swarmExtras, type SwarmExtras } from '../../../src/deploy/swarm-options.js';
import { REGISTRY_TOPIC, validServer } from '../../../src/deploy/image-registry.js';
import type { ReleaseRow } from '../../../src/store/releases.js';

const release: ReleaseRow = {
  id: 1,
  appId: 7,
  version: 4,
  image: 'paas-abc/blog:v4',
  config: { SECRET: 's' },
  formation: { web: { count: 3, command: 'httpd -f' }, worker: { count: 1, command: null } },
  port: 5000,
  gitRev: 'abc',
  buildId: 2,
  appJson: null,
  releaseCommand: null,
  description: 'Deploy abc',
  actor: 'me',
  createdAt: '2026-01-01T00:00:00Z',
};

const spec = (type: string, options = {}, extras?: SwarmExtras) =>
  serviceSpec({
    extras,
    instance: 'abc',
    app: { id: 7, name: 'blog' },
    type,
    release,
    image: 'reg:5000/paas-abc/blog:v4',
    replicas: release.formation[type]!.count,
    options,
    constraints: ['node.labels.zone==eu1'],
    forceUpdate: 2,
    networks: ['paas-abc-postgres-db-swarm'],
    health: swarmHealth({ type, checks: [], port: 5000, disabled: false, skipped: false, defaultWaitMs: undefined }),
    // biome-ignore lint/suspicious/noExplicitAny: a Docker API body, read field by field
  }) as Record<string, any>;

describe('the Swarm service of a process type', () => {
  it('web publishes the app port in host mode and updates start-first, rolling back on failure', () => {
    const web = spec('web', { limits: { memory: 256 * 1024 ** 2, cpu: 0.5 }, stopTimeout: 30 });
    expect(web.Name).toBe('paas-abc-blog-web');
    expect(web.Mode).toEqual({ Replicated: { Replicas: 3 } });
    expect(web.EndpointSpec.Ports).toEqual([{ Protocol: 'tcp', TargetPort: 5000, PublishMode: 'host' }]);
    expect(web.UpdateConfig).toMatchObject({ Order: 'start-first', Parallelism: 1, FailureAction: 'rollback' });
    expect(web.TaskTemplate.ContainerSpec).toMatchObject({
      Image: 'reg:5000/paas-abc/blog:v4',
      Args: ['/bin/sh', '-c', 'httpd -f'],
      StopGracePeriod: 30e9,
    });
    expect(web.TaskTemplate.ContainerSpec.Env).toEqual(expect.arrayContaining(['SECRET=s', 'PORT=5000', 'DYNO=web.{{.Task.Slot}}']));
    expect(web.TaskTemplate.ContainerSpec.Labels).toMatchObject({ 'paas.release': '4', 'paas.role': 'swarm-task', 'paas.process': 'web' });
    expect(web.TaskTemplate.Resources.Limits).toMatchObject({ MemoryBytes: 256 * 1024 ** 2, NanoCPUs: 5e8 });
    expect(web.TaskTemplate.Placement.Constraints).toEqual(['node.labels.zone==eu1']);
    expect(web.TaskTemplate.Networks).toEqual([{ Target: 'paas-abc-postgres-db-swarm' }]);
    expect(web.TaskTemplate.ForceUpdate).toBe(2);
    expect(web.Labels).toMatchObject({ 'paas.role': 'service', 'paas.app-id': '7' });
  });

  it('other types publish nothing and keep the image command; restart policies map to Swarm conditions', () => {
    const worker = spec('worker', { restartPolicy: { Name: 'always' } });
    expect(worker.EndpointSpec).toEqual({ Mode: 'vip' });
    expect(worker.TaskTemplate.ContainerSpec.Args).toBeUndefined();
    expect(worker.TaskTemplate.RestartPolicy).toEqual({ Condition: 'any' });
    expect(spec('worker', { restartPolicy: { Name: 'no' } }).TaskTemplate.RestartPolicy).toEqual({ Condition: 'none' });
    expect(spec('worker').TaskTemplate.RestartPolicy).toEqual({ Condition: 'on-failure', MaxAttempts: 10 });
  });
});

describe('app.json checks on the swarm', () => {
  const checks = (json: unknown) => parseAppJson(JSON.stringify({ healthchecks: { web: json } })).healthchecks.web!;
  const health = (list: unknown, more = {}) =>
    swarmHealth({ type: 'web', checks: checks(list), port: 5000, disabled: false, skipped: false, defaultWaitMs: undefined, ...more });

  it("become the tasks' Docker health check, its timing from the checks", () => {
    const gate = health([
      { name: 'home', path: '/health', content: 'ok', attempts: 4, wait: 2, timeout: 3, initialDelay: 1 },
      { name: 'port', listening: true, port: 6000, attempts: 2, wait: 5, timeout: 1 },
      { name: 'alive', type: 'liveness', path: '/' },
      { name: 'soft', path: '/soft', warn: true },
    ]);
    expect(gate.order).toBe('start-first');
    expect(gate.gating).toEqual(['home', 'port']);
    expect(gate.notes).toEqual([
      'web: liveness check "alive" is not watched on the swarm',
      'web: check "soft" only warns, so it does not gate the update',
    ]);
    const test = gate.healthcheck!.Test;
    expect(test.slice(0, 3)).toEqual(['CMD', '/bin/sh', '-c']);
    expect(test.slice(4)).toEqual(['paas-health', '4', 'http', 'http://127.0.0.1:5000/health', 'ok', '3', '3', 'listening', '6000', '1']);
    expect(gate.healthcheck).toMatchObject({ Interval: 2e9, Timeout: 4e9, StartPeriod: 1e9, Retries: 4 });
    expect(gate.monitorSeconds).toBe(5);
  });

  it('a lone command check is the health check itself; uptime is the update monitor; headers go along', () => {
    expect(health([{ command: ['pg_isready'] }]).healthcheck!.Test).toEqual(['CMD', 'pg_isready']);
    const uptime = health([{ uptime: 20 }]);
    expect(uptime.healthcheck).toBeUndefined();
    expect(uptime.monitorSeconds).toBe(20);
    expect(uptime.gating).toEqual(['startup check uptime 20s']);
    const [check] = checks([{ path: '/x', scheme: 'https', httpHeaders: [{ name: 'Host', value: 'a.test' }] }]);
    expect(checkWords(check!, 5000)).toEqual(['5', 'http', 'https://127.0.0.1:5000/x', '', '5', 'Host: a.test']);
  });

  it("checks:disable stops each old task first, checks:skip and no checks leave the image's HEALTHCHECK; default-wait monitors", () => {
    const list = [{ path: '/health' }];
    expect(health(list, { disabled: true })).toMatchObject({ healthcheck: undefined, order: 'stop-first', gating: [] });
    expect(health(list, { skipped: true })).toMatchObject({ healthcheck: undefined, order: 'start-first', notes: ['web: checks skipped'] });
    expect(health([], { defaultWaitMs: 12_000 })).toMatchObject({ healthcheck: undefined, monitorSeconds: 12 });
  });

  it('go into the service: the health check in the container spec, order and monitor in the update config', () => {
    const gate = health([{ path: '/health', wait: 2 }]);
    const web = serviceSpec({
      instance: 'abc',
      app: { id: 7, name: 'blog' },
      type: 'web',
      release,
      image: 'reg:5000/paas-abc/blog:v4',
      replicas: 1,
      options: {},
      constraints: [],
      forceUpdate: 0,
      networks: [],
      health: { ...gate, monitorSeconds: 9 },
      // biome-ignore lint/suspicious/noExplicitAny: a Docker API body, read field by field
    }) as Record<string, any>;
    expect(web.TaskTemplate.ContainerSpec.Healthcheck).toEqual(gate.healthcheck);
    expect(web.UpdateConfig).toMatchObject({ Order: 'start-first', Monitor: 9e9, FailureAction: 'rollback' });
    expect(spec('web').TaskTemplate.ContainerSpec.Healthcheck).toBeUndefined();
  });
});

describe('docker options and storage on swarm tasks', () => {
  const opt = (flag: string, value?: string) => ({ flag, ...(value === undefined ? {} : { value }) });

  it('what means the same on every node goes into the task; paas labels win', () => {
    const extras = swarmExtras(
      [
        opt('label', 'team=web'),
        opt('label', 'paas.app=evil'),
        opt('init'),
        opt('cap-add', 'NET_ADMIN'),
        opt('ulimit', 'nofile=1024:2048'),
        opt('add-host', 'db.local:10.0.0.5'),
        opt('log-opt', 'max-file=5'),
        opt('memory', '256m'),
        opt('memory-reservation', '128m'),
        opt('cpus', '0.5'),
        opt('restart', 'always'),
      ],
      [],
      [],
    );
    expect(extras.container).toEqual({
      Labels: { team: 'web', 'paas.app': 'evil' },
      Init: true,
      CapabilityAdd: ['NET_ADMIN'],
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      Hosts: ['10.0.0.5 db.local'],
    });
    expect(extras).toMatchObject({
      limits: { MemoryBytes: 256 * 1024 ** 2, NanoCPUs: 5e8 },
      reservations: { MemoryBytes: 128 * 1024 ** 2 },
      logOptions: { 'max-file': '5' },
      restartPolicy: { Name: 'always' },
    });
    const web = spec('web', { limits: { memory: 512 * 1024 ** 2 } }, extras);
    expect(web.TaskTemplate.ContainerSpec).toMatchObject({ Init: true, CapabilityAdd: ['NET_ADMIN'], Hosts: ['10.0.0.5 db.local'] });
    expect(web.TaskTemplate.ContainerSpec.Labels).toMatchObject({ team: 'web', 'paas.app': 'blog' });
    expect(web.TaskTemplate.Resources).toMatchObject({
      Limits: { MemoryBytes: 256 * 1024 ** 2 },
      Reservations: { MemoryBytes: 128 * 1024 ** 2 },
    });
    expect(web.TaskTemplate.LogDriver.Options).toEqual({ 'max-size': '10m', 'max-file': '5' });
  });

  it('host devices, privileged, swap, host networks are refused by name', () => {
    expect(() => swarmExtras([opt('privileged'), opt('memory-swap', '1g'), opt('label', 'a=b')], [], [])).toThrow(
      'docker-options that cannot apply to swarm tasks (a task runs on any node): --privileged, --memory-swap 1g;',
    );
    expect(() => swarmExtras([opt('network', 'host')], [], [])).toThrow(/--network host/);
  });

  it('storage folders apply only when the placement keeps the app on the manager', () => {
    expect(() => swarmExtras([], ['/var/lib/paas/storage/blog:/data'], ['node.labels.zone==a'])).toThrow(
      /storage mounts \(\/var\/lib\/paas\/storage\/blog\) are folders on this server only.*placement node\.role==manager/,
    );
    const extras = swarmExtras([opt('volume', '/srv/x:/x:ro')], ['/var/lib/paas/storage/blog:/data'], ['node.role==manager']);
    expect(extras.container.Mounts).toEqual([
      { Type: 'bind', Source: '/var/lib/paas/storage/blog', Target: '/data' },
      { Type: 'bind', Source: '/srv/x', Target: '/x', ReadOnly: true },
    ]);
  });
});

describe('swarm settings', () => {
  it('placement constraints', () => {
    expect(parseConstraints('node.role==worker, node.labels.zone!=b;engine.labels.ssd==true')).toEqual([
      'node.role==worker',
      'node.labels.zone!=b',
      'engine.labels.ssd==true',
    ]);
    for (const bad of ['node.role=worker', 'rm -rf /', 'node.labels.zone==a b', 'node.foo==1']) {
      expect(() => parseConstraints(bad)).toThrow(/invalid placement constraint/);
    }
  });

  it('Docker hosts of nodes:add', () => {
    expect(dockerHostOptions('unix:///run/docker.sock')).toEqual({ socketPath: '/run/docker.sock' });
    expect(dockerHostOptions('tcp://10.0.0.2:2376')).toEqual({ host: '10.0.0.2', port: 2376, protocol: 'http' });
    expect(dockerHostOptions('ssh://deploy@10.0.0.2')).toEqual({ host: '10.0.0.2', port: 22, protocol: 'ssh', username: 'deploy' });
    for (const bad of ['10.0.0.2', 'http://x', 'ssh://']) expect(() => dockerHostOptions(bad)).toThrow(/invalid Docker host/);
  });

  it('node labels and registry servers', () => {
    expect(parseLabels(['zone=eu1', 'ssd='])).toEqual({ zone: 'eu1', ssd: '' });
    expect(() => parseLabels(['zone'])).toThrow(/invalid label/);
    expect(validServer('registry.example.com:5000')).toBe('registry.example.com:5000');
    expect(() => validServer('https://registry')).toThrow(/invalid registry server/);
  });

  it('the local registry listens on one address the nodes can pull from', () => {
    const localAddress = REGISTRY_TOPIC.properties.find((p) => p.key === 'local-address')!;
    expect(localAddress.validate!('10.0.0.1:5000')).toBe('10.0.0.1:5000');
    expect(() => localAddress.validate!('0.0.0.0:5000')).toThrow(/not 0.0.0.0/);
    expect(() => localAddress.validate!('registry.example.com')).toThrow(/invalid local-address/);
  });
});
