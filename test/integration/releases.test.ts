import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, httpGet, instanceOf, loadDuring, run, startDaemon, viaNginx, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;
let remote: string;

beforeAll(async () => {
  daemon = await startDaemon();
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = `http://paas:${token}@127.0.0.1:${daemon.apiPort}/procs.git`;
});
afterAll(async () => {
  await daemon?.destroy();
});

const url = async () => (await daemon.paasOk(['urls', 'procs'])).trim().split('\n')[0]!;
// This daemon's containers only: other suites (and other checkouts) may run an app called procs too.
const containers = async (filter: string) =>
  (
    await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=paas.instance=${instanceOf(daemon)}`,
      '--filter',
      `label=paas.app=procs`,
      '--filter',
      filter,
    ])
  ).stdout
    .split('\n')
    .filter(Boolean);
const until = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
};

describe('a deploy with process types and app.json scripts', () => {
  it('runs predeploy and the release phase before, postdeploy and the first-deploy script after', async () => {
    await daemon.paasOk(['apps:create', 'procs']);
    await daemon.paasOk(['config:set', 'procs', 'GREETING=hello']);
    // A first deploy runs only web; a scale stored before it adds the worker.
    await daemon.paasOk(['ps:scale', 'procs', 'worker=1']);
    const tree = await appWorkTree('procs');
    const push = await tree.git('push', remote, 'main');
    expect(push.code, push.stderr).toBe(0);
    const out = push.stderr;
    const order = [
      'predeploy ran with GREETING=hello',
      'Running release phase (Procfile release)',
      'release phase of ',
      'Starting web.1',
      'Starting worker.1',
      'home page',
      'postdeploy ran',
      'first deploy setup ran',
      'Application deployed',
    ].map((text) => out.indexOf(text));
    expect(
      order.every((index) => index >= 0),
      out,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(await httpGet(await url())).toEqual({ status: 200, body: 'procs app\n' });
    const report = await daemon.paasOk(['ps:report', 'procs']);
    expect(report).toMatch(/Status web 1: +running/);
    expect(report).toMatch(/Status worker 1: +running/);
  });

  it('runs the first-deploy script only once', async () => {
    const output = await daemon.paasOk(['deploy', 'procs']);
    expect(output).toContain('postdeploy ran');
    expect(output).not.toContain('first deploy setup ran');
  });
});

describe('config changes are releases', () => {
  it('config:set is visible to the app on the next request after it returns', async () => {
    const output = await daemon.paasOk(['config:set', 'procs', 'GREETING=hi']);
    expect(output).toMatch(/Releasing procs v\d+: Set GREETING/);
    expect((await httpGet(`${await url()}/cgi-bin/env`)).body).toContain('GREETING=hi\n');
    expect(await daemon.paasOk(['releases', 'procs'])).toMatch(/Set GREETING/);
  });

  it('--no-restart only stores', async () => {
    const before = await daemon.paasOk(['releases', 'procs', '--format', 'json']);
    await daemon.paasOk(['config:set', '--no-restart', 'procs', 'LATER=1']);
    expect(await daemon.paasOk(['releases', 'procs', '--format', 'json'])).toBe(before);
    expect((await httpGet(`${await url()}/cgi-bin/env`)).body).not.toContain('LATER=1');
  });

  it('rollback puts the stored config back, so the next config:set builds on it', async () => {
    await daemon.paasOk(['config:set', 'procs', 'A=1']);
    const [{ version: withOne }] = JSON.parse(await daemon.paasOk(['releases', 'procs', '--format', 'json'])) as Array<{ version: number }>;
    await daemon.paasOk(['config:set', 'procs', 'A=2', 'ONLY_LATER=yes']);
    const output = await daemon.paasOk(['rollback', 'procs', `v${withOne}`]);
    expect(output).toContain('Changed: A');
    expect(output).toContain('Removed: ONLY_LATER');
    expect(output).not.toContain('A=1');
    expect(await daemon.paasOk(['config:get', 'procs', 'A'])).toBe('1\n');
    expect(await daemon.paasOk(['config:show', 'procs'])).not.toContain('ONLY_LATER');
    await daemon.paasOk(['config:set', 'procs', 'B=x']);
    const env = (await httpGet(`${await url()}/cgi-bin/env`)).body;
    expect(env).toContain('A=1\n');
    expect(env).toContain('B=x\n');
    expect(env).not.toContain('ONLY_LATER');
  });

  it('rollback makes a new release from an earlier one', async () => {
    const releases = JSON.parse(await daemon.paasOk(['releases', 'procs', '--format', 'json'])) as Array<{
      version: number;
      description: string;
    }>;
    const withHello = releases.find((r) => r.description.startsWith('Deploy'))!;
    const output = await daemon.paasOk(['rollback', 'procs', `v${withHello.version}`]);
    expect(output).toContain(`Rollback to v${withHello.version}`);
    expect((await httpGet(`${await url()}/cgi-bin/env`)).body).toContain('GREETING=hello\n');
    const refused = await daemon.paas(['rollback', 'procs', 'v99']);
    expect(refused.stderr).toContain('procs has no release v99');
  });
});

describe('zero downtime through the proxy', () => {
  const get = () => viaNginx(daemon.httpPort, 'procs.example.test');

  it('serves the app on its domain', async () => {
    await daemon.paasOk(['domains:add', 'procs', 'procs.example.test']);
    expect(await get()).toEqual({ status: 200, body: 'procs app\n' });
  });

  for (const [what, args] of [
    ['a redeploy', ['deploy', 'procs']],
    ['a config:set', ['config:set', 'procs', 'LOAD=1']],
    ['a rollback', ['rollback', 'procs']],
  ] as const) {
    it(`${what} completes with zero failed requests`, async () => {
      const result = await loadDuring(get, () => daemon.paasOk([...args]));
      expect(result.failures).toEqual([]);
      expect(result.requests).toBeGreaterThan(50);
    });
  }
});

describe('scaling and self-healing', () => {
  it('ps:scale web=3 runs three web containers', async () => {
    await daemon.paasOk(['ps:scale', 'procs', 'web=3', 'worker=1']);
    const release = JSON.parse(await daemon.paasOk(['releases', 'procs', '--format', 'json']))[0].version;
    expect(await containers(`label=paas.release=${release}`)).toHaveLength(4);
    await until('the old release retired', async () => (await containers('label=paas.process=web')).length === 3);
    expect(await daemon.paasOk(['ps:scale', 'procs'])).toContain('web: 3');
    expect((await daemon.paas(['ps:scale', 'procs', 'nope=1'])).stderr).toContain('no process type "nope"');
  });

  it('brings back a container killed with docker kill', async () => {
    const [victim] = await containers('label=paas.process=web');
    await run('docker', ['kill', victim!]);
    await until('three running web containers', async () => (await containers('label=paas.process=web')).length === 3);
  });

  it('adopts the running containers when the daemon restarts, without duplicates', async () => {
    const before = (await containers('label=paas.role=process')).sort();
    await daemon.stop();
    await daemon.start();
    await new Promise((r) => setTimeout(r, 2000));
    expect((await containers('label=paas.role=process')).sort()).toEqual(before);
    expect((await viaNginx(daemon.httpPort, 'procs.example.test')).status).toBe(200);
  });

  it('ps:stop and ps:start', async () => {
    await daemon.paasOk(['ps:stop', 'procs']);
    expect(await containers('label=paas.role=process')).toHaveLength(0);
    expect(await daemon.paasOk(['ps:report', 'procs'])).toMatch(/Status: +stopped/);
    await daemon.paasOk(['ps:start', 'procs']);
    expect(await containers('label=paas.role=process')).toHaveLength(4);
    await daemon.paasOk(['ps:scale', 'procs', 'web=1']);
  });
});

describe('resource limits', () => {
  it('caps every process, or one process type, from the next restart', async () => {
    await daemon.paasOk(['resource:limit', 'procs', '--memory', '128m', '--cpu', '0.5']);
    await daemon.paasOk(['resource:limit', 'procs', '--process-type', 'worker', '--memory', '64m']);
    expect(await daemon.paasOk(['resource:report', 'procs'])).toMatch(/Resource worker memory limit: +64m/);
    await daemon.paasOk(['ps:restart', 'procs']);
    const release = JSON.parse(await daemon.paasOk(['releases', 'procs', '--format', 'json']))[0].version;
    const limits = async (type: string) => {
      const [id] = await containers(`label=paas.release=${release}`).then(async (ids) => {
        const types = await Promise.all(
          ids.map(async (c) => [c, (await run('docker', ['inspect', '-f', '{{index .Config.Labels "paas.process"}}', c])).stdout.trim()]),
        );
        return types.filter(([, t]) => t === type).map(([c]) => c);
      });
      return (await run('docker', ['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}', id!])).stdout.trim();
    };
    expect(await limits('web')).toBe(`${128 * 1024 * 1024} 500000000`);
    expect(await limits('worker')).toBe(`${64 * 1024 * 1024} 500000000`);
    await daemon.paasOk(['resource:limit-clear', 'procs']);
    await daemon.paasOk(['resource:limit-clear', 'procs', '--process-type', 'worker']);
    expect((await daemon.paas(['resource:limit', 'procs', '--memory', 'lots'])).stderr).toContain('invalid memory "lots"');
  });
});

describe('a release whose health check fails', () => {
  it('never gets traffic; the old release keeps serving', async () => {
    const before = await url();
    const releasesBefore = await daemon.paasOk(['releases', 'procs', '--format', 'json']);
    const tree = await appWorkTree('procs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${tree.dir}/www/index.html`, 'broken page\n');
    await tree.git('commit', '-qam', 'break the health check');
    const push = await tree.git('push', '--force', remote, 'main');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/web\.1 failed its check "home page": \/ answered without the expected content "procs app"/);
    expect(push.stderr).toContain('The previous release keeps running, untouched');
    expect(await url()).toBe(before);
    expect(await viaNginx(daemon.httpPort, 'procs.example.test')).toEqual({ status: 200, body: 'procs app\n' });
    expect(await daemon.paasOk(['releases', 'procs', '--format', 'json'])).toBe(releasesBefore);
  });
});

describe('release retention', () => {
  it('keeps the images of the last N releases and says so when rolling back further', async () => {
    const repository = `paas-${readFileSync(`${daemon.home}/instance-id`, 'utf8').trim()}/procs`;
    await daemon.paasOk(['releases:set', 'procs', 'retention', '2']);
    await daemon.paasOk(['config:set', 'procs', 'KEEP=1']);
    await daemon.paasOk(['config:set', 'procs', 'KEEP=2']);
    const tags = (await run('docker', ['images', repository, '--format', '{{.Tag}}'])).stdout.split('\n').filter(Boolean);
    const releases = JSON.parse(await daemon.paasOk(['releases', 'procs', '--format', 'json'])) as Array<{ version: number }>;
    expect(tags.sort()).toEqual(
      releases
        .slice(0, 2)
        .map((r) => `v${r.version}`)
        .sort(),
    );
    const refused = await daemon.paas(['rollback', 'procs', 'v1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the image of v1 was removed (release retention)');
  });
});

describe('one-off commands and logs', () => {
  it('run passes output, stdin and the exit code through', async () => {
    const result = await daemon.paas(['run', 'procs', 'echo "running as $DYNO"; cat; exit 7'], { input: 'from stdin\n' });
    expect(result.code).toBe(7);
    expect(result.stdout).toBe('running as run.1\nfrom stdin\n');
    expect(await run('docker', ['ps', '-aq', '--filter', 'label=paas.role=one-off', '--filter', 'label=paas.app=procs'])).toMatchObject({
      stdout: '',
    });
  });

  it('enter runs a command in a running container', async () => {
    const result = await daemon.paas(['enter', 'procs', 'worker', 'echo $DYNO']);
    expect(result).toMatchObject({ code: 0, stdout: 'worker.1\n' });
  });

  it('logs shows every container, prefixed', async () => {
    await until('worker output', async () => (await daemon.paasOk(['logs', 'procs', '-p', 'worker'])).includes('alive'));
    expect(await daemon.paasOk(['logs', 'procs', '-p', 'worker', '-n', '1'])).toMatch(/^procs\[worker\.1\]: worker worker\.1 alive\n$/);
  });
});
