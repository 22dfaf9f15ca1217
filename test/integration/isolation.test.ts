import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStackImages } from '../../src/build/buildpacks/stack.js';
import { TEST_LOCK_DIR } from '../fixtures/images.js';
import { appWorkTree, httpGet, run, startDaemon, type DaemonHandle } from './harness.js';

/**
 * Isolation between apps, services and the host, checked from inside real app containers:
 * the daemon listens on every interface here, as on a server, so only paas's rules keep
 * containers away from its API and SSH ports.
 */
let daemon: DaemonHandle;
let instance: string;
let token: string;

const PROBE = `import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
    print("open")
except Exception as error:
    print("closed", type(error).__name__)
    sys.exit(1)
`;

/** Pushes the pgapp sample (python3 and psql on the stack image) with a TCP probe script. */
async function deploy(app: string, withMigration: boolean): Promise<void> {
  const tree = await appWorkTree('pgapp');
  writeFileSync(join(tree.dir, 'probe.py'), PROBE);
  if (!withMigration) writeFileSync(join(tree.dir, 'app.json'), '{}\n');
  await tree.git('add', '-A');
  await tree.git('commit', '-qm', 'probe');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`, 'main');
  expect(push.code, push.stderr).toBe(0);
}

/** Whether a TCP connection from a new one-off container of the app opens. */
async function reaches(app: string, host: string, port: number): Promise<boolean> {
  const result = await daemon.paas(['run', app, 'python3', '/app/probe.py', host, String(port)]);
  expect(result.stdout, result.stderr).toMatch(/^(open|closed)/);
  return result.code === 0;
}

/** The same, from the app's running web.1 (links change it without a restart). */
async function webReaches(app: string, host: string, port: number): Promise<boolean> {
  const result = await daemon.paas(['enter', app, 'web.1', 'python3', '/app/probe.py', host, String(port)]);
  expect(result.stdout, result.stderr).toMatch(/^(open|closed)/);
  return result.code === 0;
}

const inspect = async (id: string) => JSON.parse((await run('docker', ['inspect', id])).stdout)[0];
const webContainer = async (app: string) =>
  (
    await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=paas.instance=${instance}`,
      '--filter',
      `label=paas.app=${app}`,
      '--filter',
      'label=paas.process=web',
    ])
  ).stdout
    .trim()
    .split('\n')[0]!;
const gateway = async () =>
  (await run('docker', ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', `paas-${instance}`])).stdout.trim();
const serviceIp = async (name: string) => (await daemon.paasOk(['postgres:info', name, '--internal-ip'])).trim();

beforeAll(async () => {
  await ensureStackImages(new Docker(), () => undefined, TEST_LOCK_DIR);
  // Plain HTTP on every interface: this suite is about who can connect, not about TLS.
  daemon = await startDaemon({ ssh: true, env: { PAAS_LISTEN: '0.0.0.0', PAAS_API_INSECURE: '1' } });
  instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
  token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  const created = await daemon.paas(['postgres:create', 'alpha-db'], { timeoutMs: 880_000 });
  expect(created.code, created.stderr).toBe(0);
  await daemon.paasOk(['apps:create', 'alpha']);
  await daemon.paasOk(['postgres:link', 'alpha-db', 'alpha']);
  await deploy('alpha', true);
  await deploy('beta', false);
}, 900_000);

afterAll(async () => {
  await daemon?.destroy();
}, 120_000);

describe('services are reachable only by the apps linked to them', () => {
  it('a linked app reaches its database by name; an unlinked app reaches it neither by name nor by address', async () => {
    expect(await reaches('alpha', 'paas-postgres-alpha-db', 5432)).toBe(true);
    expect(await webReaches('alpha', 'paas-postgres-alpha-db', 5432)).toBe(true);
    expect(await reaches('beta', 'paas-postgres-alpha-db', 5432)).toBe(false);
    expect(await reaches('beta', await serviceIp('alpha-db'), 5432)).toBe(false);
    expect(await webReaches('beta', await serviceIp('alpha-db'), 5432)).toBe(false);
    expect(await httpGet((await daemon.paasOk(['urls', 'alpha'])).trim())).toEqual({ status: 200, body: 'items: first row\n' });
  }, 120_000);

  it('unlink takes the running containers off the service network at once; link puts them back', async () => {
    await daemon.paasOk(['postgres:unlink', 'alpha-db', 'alpha', '--no-restart']);
    expect(await webReaches('alpha', await serviceIp('alpha-db'), 5432)).toBe(false);
    await daemon.paasOk(['postgres:link', 'alpha-db', 'alpha', '--no-restart']);
    expect(await webReaches('alpha', 'paas-postgres-alpha-db', 5432)).toBe(true);
  }, 120_000);

  it('local users other than root and nginx cannot connect to app containers from the host', async () => {
    const ip = (await inspect(await webContainer('beta'))).NetworkSettings.Networks[`paas-${instance}`].IPAddress;
    const curl = ['curl', '-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://${ip}:5000/`];
    expect((await run('runuser', ['-u', 'nobody', '--', ...curl])).stdout).toBe('000');
    expect((await run(curl[0]!, curl.slice(1))).stdout).toBe('200');
  });

  it('apps do not reach each other on the paas network', async () => {
    const betaWeb = await inspect(await webContainer('beta'));
    const betaIp = betaWeb.NetworkSettings.Networks[`paas-${instance}`].IPAddress;
    expect(await reaches('alpha', betaIp, 5000)).toBe(false);
    // nginx on the host still reaches it there
    expect((await httpGet(`http://${betaIp}:5000/`)).status).toBe(200);
  }, 120_000);
});

describe('app containers and the host', () => {
  it("cannot connect to the daemon's API and SSH ports through the gateway; nginx's port stays open", async () => {
    const host = await gateway();
    expect(await reaches('alpha', host, daemon.apiPort)).toBe(false);
    expect(await reaches('alpha', host, daemon.sshPort)).toBe(false);
    expect(await webReaches('beta', host, daemon.apiPort)).toBe(false);
    expect(await reaches('alpha', host, daemon.httpPort)).toBe(true);
    // The daemon does answer there from the host itself.
    expect((await httpGet(`http://${host}:${daemon.apiPort}/v1/commands`)).status).toBe(401);
  }, 120_000);

  it("a build's RUN steps run on the paas network: they reach nginx's port on the host, not the daemon's API", async () => {
    const tree = await appWorkTree('hello');
    writeFileSync(join(tree.dir, 'probe.py'), PROBE);
    writeFileSync(
      join(tree.dir, 'Dockerfile'),
      [
        'FROM paas/stack:bookworm',
        'ARG PROBE_HOST',
        'ARG PROBE_API_PORT',
        'ARG PROBE_HTTP_PORT',
        'COPY probe.py /probe.py',
        'RUN echo "probe api: $(python3 /probe.py $PROBE_HOST $PROBE_API_PORT)"; echo "probe nginx: $(python3 /probe.py $PROBE_HOST $PROBE_HTTP_PORT)"',
        'CMD ["python3", "-m", "http.server", "5000"]',
        '',
      ].join('\n'),
    );
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'probe at build time');
    await daemon.paasOk(['apps:create', 'builder']);
    const host = await gateway();
    await daemon.paasOk([
      'config:set',
      '--no-restart',
      'builder',
      `PROBE_HOST=${host}`,
      `PROBE_API_PORT=${daemon.apiPort}`,
      `PROBE_HTTP_PORT=${daemon.httpPort}`,
    ]);
    await daemon.paasOk(['builder-dockerfile:set', 'builder', 'build-args', 'PROBE_HOST,PROBE_API_PORT,PROBE_HTTP_PORT']);
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/builder.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/probe api: closed/);
    expect(push.stderr).toMatch(/probe nginx: open/);
  }, 300_000);

  it("the rules live in the instance's own chain, which the daemon removes when it stops and sets again on start", async () => {
    expect((await run('iptables', ['-S', `PAAS-${instance}`])).stdout).toContain('--reject-with tcp-reset');
    await daemon.stop();
    expect((await run('iptables', ['-S', `PAAS-${instance}`])).code).not.toBe(0);
    expect((await run('iptables', ['-S', 'INPUT'])).stdout).not.toContain(`PAAS-${instance}`);
    await daemon.start();
    expect((await run('iptables', ['-S', 'INPUT'])).stdout.match(new RegExp(`-j PAAS-${instance}\\b`, 'g'))).toHaveLength(1);
    expect(await reaches('alpha', await gateway(), daemon.apiPort)).toBe(false);
    expect(await webReaches('alpha', 'paas-postgres-alpha-db', 5432)).toBe(true);
  }, 120_000);
});

describe('app containers', () => {
  it('publish no port, and run with a process limit and without privilege gain', async () => {
    const web = await inspect(await webContainer('alpha'));
    expect(web.HostConfig.PortBindings ?? {}).toEqual({});
    expect(Object.values(web.NetworkSettings.Ports ?? {}).every((bindings) => bindings === null)).toBe(true);
    expect(web.HostConfig.PidsLimit).toBe(1024);
    expect(web.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(web.HostConfig.Memory).toBe(0);
    const urls = (await daemon.paasOk(['urls', 'alpha'])).trim();
    expect(urls).toBe(`http://${web.NetworkSettings.Networks[`paas-${instance}`].IPAddress}:5000`);
  });
});

describe('the managed nginx', () => {
  it('runs its workers as paas-nginx, which can still buffer a large request body to its temp files', async () => {
    const master = Number(readFileSync(join(daemon.home, 'nginx/nginx.pid'), 'utf8').trim());
    const workers = (await run('ps', ['-o', 'user=', '--ppid', String(master)])).stdout.trim().split('\n');
    expect(workers.length).toBeGreaterThan(0);
    expect(new Set(workers.map((user) => user.trim()))).toEqual(new Set(['paas-nginx']));
    expect((await run('ps', ['-o', 'user=', '-p', String(master)])).stdout.trim()).toBe('root');
    await daemon.paasOk(['domains:add', 'beta', 'beta.test']);
    const body = join(daemon.home, 'tmp-body');
    writeFileSync(body, 'x'.repeat(512 * 1024));
    // nginx writes the whole body to a temp file before it connects to the app: a worker that
    // cannot write there answers 500. The app's server answers a POST with 501, or resets the
    // connection before reading the body (nginx then says 502).
    const post = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'Host: beta.test',
      '--data-binary',
      `@${body}`,
      `http://127.0.0.1:${daemon.httpPort}/`,
    ]);
    expect(['501', '502']).toContain(post.stdout);
    const logs = join(daemon.home, 'nginx/logs');
    for (const log of ['error.log', 'beta-error.log'])
      expect(readFileSync(join(logs, log), 'utf8')).not.toMatch(/Permission denied|\[crit\]/);
  });
});
