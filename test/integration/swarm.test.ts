/**
 * The swarm scheduler on a three-node Docker Swarm made of test-started engines (see
 * swarm-cluster.ts): the machine's own Docker Engine is not used. This suite needs exclusive use
 * of the names in swarm-cluster.ts (network namespaces paas-sw-*, interface paassw0, subnet
 * 10.231.0.0/24, route 10.233.0.0/16, /tmp/paas-swarm-test); it removes leftovers of a killed
 * earlier run when it starts and everything it made when it ends, also after a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appWorkTree, instanceOf, loadDuring, remoteEnv, startDaemon, viaNginx, type DaemonHandle } from './harness.js';
import { BASE, PAAS_REGISTRY, startCluster, type SwarmCluster } from './swarm-cluster.js';
import { loadImage } from './netns-engine.js';

let cluster: SwarmCluster | undefined;
let daemon: DaemonHandle | undefined;
let remote: (app: string) => string;
let token: string;
/** web3's source, pushed again by later tests. */
let web3Tree: Awaited<ReturnType<typeof appWorkTree>>;

const BASE_IMAGE = 'paas-test/busybox:1';

beforeAll(async () => {
  cluster = await startCluster(BASE_IMAGE);
  daemon = await startDaemon({ env: { DOCKER_HOST: cluster.manager.host } });
  token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = (app) => `http://paas:${token}@127.0.0.1:${daemon!.apiPort}/${app}.git`;
}, 300_000);

afterAll(async () => {
  try {
    await daemon?.destroy();
  } finally {
    await cluster?.destroy();
  }
}, 300_000);

const paas = (args: readonly string[]) => daemon!.paas(args, { timeoutMs: 600_000 });
const paasOk = (args: readonly string[]) => daemon!.paasOk(args, { timeoutMs: 600_000 });
const get = (host: string, path = '/') => viaNginx(daemon!.httpPort, host, path);
const until = async (what: string, check: () => Promise<boolean>, ms = 120_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};

/** The app's web tasks as ps:report shows them. */
async function tasks(app: string): Promise<Record<string, string>> {
  const report = JSON.parse(await paasOk(['ps:report', app, '--format', 'json'])) as Record<string, string>;
  return Object.fromEntries(Object.entries(report).filter(([key]) => key.startsWith('status-')));
}

describe('nodes and the registry', () => {
  it('nodes:add starts the swarm on this server and joins the two other engines', async () => {
    const refused = await paas(['nodes:add', cluster!.workers[0]!.host, '--address', cluster!.workers[0]!.address]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('paas scheduler-swarm:set --global manager-address IP');
    const fromRemote = await daemon!.paas(['nodes:add', 'unix:///var/run/docker.sock', '--address', cluster!.workers[0]!.address], {
      env: remoteEnv(daemon!, token),
    });
    expect(fromRemote.code).not.toBe(0);
    expect(fromRemote.stderr).toContain('run it as root on the server');
    await paasOk(['scheduler-swarm:set', '--global', 'manager-address', cluster!.manager.address]);
    const badAddress = await paas(['registry:set', '--global', 'local-address', 'registry.example.com']);
    expect(badAddress.code).not.toBe(0);
    expect(badAddress.stderr).toContain('invalid local-address "registry.example.com"; use IP:PORT');
    const everyAddress = await paas(['registry:set', '--global', 'local-address', '0.0.0.0:5000']);
    expect(everyAddress.code).not.toBe(0);
    expect(everyAddress.stderr).toContain('not 0.0.0.0');
    // The manager engine runs in its own network namespace here: paas's registry listens on the host's end.
    await paasOk(['registry:set', '--global', 'local-address', PAAS_REGISTRY]);
    for (const [i, worker] of cluster!.workers.entries()) {
      const out = await paasOk(['nodes:add', worker.host, '--address', worker.address, '--label', `zone=z${i + 1}`]);
      expect(out).toContain(`${worker.address} joined the swarm as a worker`);
      expect(out).toContain(`${worker.address} trusts paas's registry at ${PAAS_REGISTRY} (/etc/docker/certs.d/${PAAS_REGISTRY}/ca.crt)`);
    }
    const nodes = JSON.parse(await paasOk(['nodes:list', '--format', 'json'])) as Array<{
      address: string;
      role: string;
      state: string;
      labels: string;
    }>;
    expect(nodes.map((n) => n.address).sort()).toEqual(cluster!.nodes.map((n) => n.address).sort());
    expect(nodes.every((n) => n.state === 'ready')).toBe(true);
    expect(nodes.find((n) => n.address === cluster!.workers[1]!.address)?.labels).toBe('zone=z2');
    expect(await paasOk(['nodes:report', cluster!.manager.address])).toMatch(/Node role:\s+manager \(leader\)/);
  });

  it('a swarm app needs a registry; registry:set gives it one', async () => {
    await paasOk(['apps:create', 'web3']);
    await paasOk(['domains:add', 'web3', 'web3.example.test']);
    await paasOk(['scheduler:set', 'web3', 'selected', 'swarm']);
    expect((await paasOk(['scheduler:report', 'web3', '--scheduler-computed-selected'])).trim()).toBe('swarm');
    const bad = await paas(['scheduler:set', 'web3', 'selected', 'kubernetes']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown scheduler "kubernetes"; pick one of: docker-local, swarm');
    await paasOk(['ps:scale', 'web3', 'web=3']);
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', remote('web3'), 'main');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('paas registry:set --global server HOST:PORT');
    await paasOk(['registry:set', '--global', 'server', cluster!.registry]);
  });
});

describe('an app on the swarm', () => {
  it('web=3 runs on more than one node and nginx on the manager serves it', async () => {
    web3Tree = await appWorkTree('hello');
    const push = await web3Tree.git('push', remote('web3'), 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain(`Pushing ${cluster!.registry}/`);
    expect(push.stderr).toMatch(/Creating service paas-\w+-web3-web \(3 tasks\)/);
    const status = await tasks('web3');
    const services = await cluster!.docker(cluster!.manager, ['service', 'ls', '-q']);
    const detail = await cluster!.docker(cluster!.manager, ['service', 'ps', '--no-trunc', ...services.stdout.split('\n').filter(Boolean)]);
    expect(Object.keys(status), `${JSON.stringify(status)}\n${detail.stdout}\n${push.stderr}`).toHaveLength(3);
    const nodes = new Set(Object.values(status).map((s) => /on (\S+)\)/.exec(s)?.[1]));
    expect(nodes.size).toBeGreaterThan(1);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const reply = await get('web3.example.test', '/cgi-bin/env');
      expect(reply.status).toBe(200);
      seen.add(/DYNO=(\S+)/.exec(reply.body)?.[1] ?? '');
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('a redeploy (config:set) and a rollback lose no request', async () => {
    const host = 'web3.example.test';
    const redeploy = await loadDuring(
      () => get(host),
      () => paasOk(['config:set', 'web3', 'COLOR=blue']),
    );
    expect(redeploy.failures).toEqual([]);
    expect(redeploy.requests).toBeGreaterThan(10);
    expect((await get(host, '/cgi-bin/env')).body).toContain('COLOR=blue');
    const rollback = await loadDuring(
      () => get(host),
      () => paasOk(['rollback', 'web3']),
    );
    expect(rollback.failures).toEqual([]);
    await until('every task back on the old config', async () => !(await get(host, '/cgi-bin/env')).body.includes('COLOR=blue'), 30_000);
    const releases = JSON.parse(await paasOk(['releases', 'web3', '--format', 'json'])) as Array<{ version: number; description: string }>;
    expect(releases[0]!.description).toMatch(/^Rollback to v\d+/);
  });

  it('app.json checks gate the rolling update: a failing check is refused while the old tasks serve, a passing one deploys', async () => {
    const host = 'web3.example.test';
    const tree = web3Tree;
    const commit = async (message: string) => {
      await tree.git('add', '-A');
      await tree.git('commit', '-q', '-m', message);
    };
    const before = (JSON.parse(await paasOk(['releases', 'web3', '--format', 'json'])) as unknown[]).length;
    writeFileSync(join(tree.dir, 'www/index.html'), 'version two\n');
    writeFileSync(
      join(tree.dir, 'app.json'),
      JSON.stringify({
        healthchecks: {
          web: [{ type: 'startup', name: 'health page', path: '/health.html', content: 'ok', attempts: 2, wait: 1, timeout: 2 }],
        },
      }),
    );
    await commit('a check its code fails');
    // Only the old content may answer while Swarm tries the new release and rolls it back.
    const oldOnly = async () => {
      const reply = await get(host);
      return reply.body.includes('hello from paas') ? reply : { status: 0, body: `${reply.status} ${reply.body}` };
    };
    let push: Awaited<ReturnType<typeof tree.git>> | undefined;
    const refused = await loadDuring(oldOnly, async () => {
      push = await tree.git('push', remote('web3'), 'main');
    });
    expect(push!.code).not.toBe(0);
    expect(push!.stderr).toContain('each new task must pass "health page" before an old one stops');
    expect(push!.stderr).toMatch(/Swarm stopped the update of paas-\w+-web3-web: .*\(app\.json checks: "health page"\)/);
    expect(refused.failures).toEqual([]);
    expect(JSON.parse(await paasOk(['releases', 'web3', '--format', 'json']))).toHaveLength(before);

    writeFileSync(join(tree.dir, 'www/health.html'), 'ok\n');
    await commit('the health page');
    const accepted = await tree.git('push', remote('web3'), 'main');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect((await get(host)).body).toContain('version two');
    expect(JSON.parse(await paasOk(['releases', 'web3', '--format', 'json']))).toHaveLength(before + 1);
    const inspect = await cluster!.docker(cluster!.manager, [
      'service',
      'inspect',
      '--format',
      '{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck}}',
      `paas-${instanceOf(daemon!)}-web3-web`,
    ]);
    expect(inspect.stdout).toContain('http://127.0.0.1:5000/health.html');
  });

  it('a worker engine that stops: its task moves to another node and the app keeps answering', async () => {
    const host = 'web3.example.test';
    const worker = cluster!.workers[0]!;
    const load = await loadDuring(
      () => get(host),
      async () => {
        await cluster!.stopEngine(worker);
        await until(
          `no task of web3 on ${worker.address}`,
          async () => {
            const status = Object.values(await tasks('web3'));
            return status.length === 3 && status.every((s) => s.startsWith('running') && !s.includes(`on ${worker.address})`));
          },
          180_000,
        );
      },
    );
    expect(load.failures).toEqual([]);
  });
});

describe('the other commands on a swarm app', () => {
  it('logs come from every task, run starts a one-off here, enter says why it cannot', async () => {
    await get('web3.example.test', '/index.html');
    const logs = await paasOk(['logs', 'web3', '-n', '20']);
    expect(logs).toMatch(/^web3\[web\.\d\]: /m);
    const oneOff = await paas(['run', 'web3', 'sh', '-c', 'echo "one-off $DYNO"']);
    expect(oneOff.stdout).toContain('one-off run.1');
    expect(oneOff.stderr).toContain('this one-off container runs on this server (the manager)');
    const enter = await paas(['enter', 'web3', 'web.1', 'true']);
    expect(enter.code).not.toBe(0);
    expect(enter.stderr).toContain('runs on the swarm scheduler');
  });

  it('ps:scale changes the replicas; ps:stop removes the services and ps:start makes them again', async () => {
    await paasOk(['ps:scale', 'web3', 'web=2']);
    expect(Object.keys(await tasks('web3'))).toHaveLength(2);
    await paasOk(['ps:stop', 'web3']);
    expect(await tasks('web3')).toEqual({});
    expect((await get('web3.example.test')).status).not.toBe(200);
    await paasOk(['ps:start', 'web3']);
    expect(Object.keys(await tasks('web3'))).toHaveLength(2);
    expect((await get('web3.example.test')).status).toBe(200);
  });
});

describe('apps:rename of a swarm app', () => {
  it('the next rollout moves the tasks to services of the new name and removes the old ones', async () => {
    await paasOk(['apps:rename', 'web3', 'web4']);
    await paasOk(['ps:restart', 'web4']);
    expect(Object.keys(await tasks('web4'))).toHaveLength(2);
    const services = (await cluster!.docker(cluster!.manager, ['service', 'ls', '--format', '{{.Name}}'])).stdout
      .split('\n')
      .filter(Boolean);
    expect(services).toHaveLength(1);
    expect(services[0]).toMatch(/-web4-web$/);
  });

  it('ps:inspect shows the services, with config values redacted', async () => {
    await paasOk(['config:set', 'web4', 'TOKEN=s3cret']);
    const inspect = await paasOk(['ps:inspect', 'web4']);
    const [service] = JSON.parse(inspect) as Array<{ Spec: { Name: string; TaskTemplate: { ContainerSpec: { Env: string[] } } } }>;
    expect(service!.Spec.Name).toMatch(/-web4-web$/);
    expect(service!.Spec.TaskTemplate.ContainerSpec.Env).toContain('TOKEN=<redacted>');
    expect(inspect).not.toContain('s3cret');
  });
});

describe('docker-local beside the swarm', () => {
  it('a docker-local app deploys on the same daemon and both answer', async () => {
    await paasOk(['apps:create', 'local1']);
    await paasOk(['domains:add', 'local1', 'local1.example.test']);
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', remote('local1'), 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).not.toContain('Creating service');
    expect((await paasOk(['scheduler:report', 'local1', '--scheduler-computed-selected'])).trim()).toBe('docker-local');
    expect((await get('local1.example.test', '/cgi-bin/env')).body).toContain('DYNO=web.1');
    expect((await get('web3.example.test')).status).toBe(200);
  });
});

/** GET /cgi-bin/redis: AUTH and PING sent to the redis of REDIS_URL (redis://:PASSWORD@HOST:PORT), and its answers. */
const REDIS_CGI = [
  '#!/bin/sh',
  "printf 'Content-Type: text/plain\\r\\n\\r\\n'",
  'rest=${REDIS_URL#redis://:}',
  'hostport=${rest#*@}',
  'printf \'AUTH %s\\r\\nPING\\r\\nQUIT\\r\\n\' "${rest%%@*}" | nc -w 5 "${hostport%%:*}" "${hostport##*:}" 2>&1',
  '',
].join('\n');

describe('a swarm app linked to a service on the manager, its image in the registry paas runs', () => {
  it('its task on a worker pulls from the registry paas runs, over TLS, and reaches the linked redis at REDIS_URL', async () => {
    await loadImage(cluster!.manager, 'paas/redis:7', BASE);
    await paasOk(['redis:create', 'cache']);
    await paasOk(['apps:create', 'linked']);
    await paasOk(['domains:add', 'linked', 'linked.example.test']);
    await paasOk(['scheduler:set', 'linked', 'selected', 'swarm']);
    // The workers were started with the other registry only as insecure: this one must pass TLS with paas's CA.
    await paasOk(['registry:set', 'linked', 'server', 'local']);
    const byHand = await paasOk(['nodes:add']);
    expect(byHand).toContain(`scp ${join(daemon!.home, 'registry', 'ca.crt')} root@NEW-SERVER:/etc/docker/certs.d/${PAAS_REGISTRY}/ca.crt`);
    await paasOk(['scheduler-swarm:set', 'linked', 'placement', 'node.role==worker']);
    await paasOk(['redis:link', 'cache', 'linked']);
    const tree = await appWorkTree('hello');
    writeFileSync(join(tree.dir, 'www/cgi-bin/redis'), REDIS_CGI);
    await tree.git('add', '-A');
    await tree.git('commit', '-q', '-m', 'redis check');
    const push = await tree.git('push', remote('linked'), 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain(`Pushing ${PAAS_REGISTRY}/`);
    for (const key of ['ca.key', 'server.key']) expect(statSync(join(daemon!.home, 'registry', key)).mode & 0o777).toBe(0o600);
    const status = Object.values(await tasks('linked'));
    expect(status).toHaveLength(1);
    expect(status[0]).not.toContain(`on ${cluster!.manager.address})`);
    const reply = await get('linked.example.test', '/cgi-bin/redis');
    expect(reply.body).toMatch(/\+OK\r?\n\+PONG/);
  });

  it('docker options that mean the same on every node reach the task; others are refused before anything changes', async () => {
    await paasOk(['docker-options:add', 'linked', 'deploy', '--memory-swap 1g']);
    const refused = await paas(['ps:restart', 'linked']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('docker-options that cannot apply to swarm tasks (a task runs on any node): --memory-swap 1g');
    await paasOk(['docker-options:remove', 'linked', 'deploy', '--memory-swap 1g']);
    await paasOk(['docker-options:add', 'linked', 'deploy', '--label team=core', '--ulimit nofile=1024:2048']);
    await paasOk(['ps:restart', 'linked']);
    const service = `paas-${instanceOf(daemon!)}-linked-web`;
    const inspect = await cluster!.docker(cluster!.manager, [
      'service',
      'inspect',
      '--format',
      '{{json .Spec.TaskTemplate.ContainerSpec}}',
      service,
    ]);
    const container = JSON.parse(inspect.stdout) as { Labels: Record<string, string>; Ulimits: unknown[] };
    expect(container.Labels.team).toBe('core');
    expect(container.Ulimits).toEqual([{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
    expect((await get('linked.example.test', '/cgi-bin/redis')).body).toContain('+PONG');
  });
});
