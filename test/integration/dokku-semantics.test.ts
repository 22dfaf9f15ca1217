import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, httpGet, run, startDaemon, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;
let token: string;
let instance: string;

beforeAll(async () => {
  daemon = await startDaemon();
  token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
});
afterAll(async () => {
  await daemon?.destroy();
});

const remote = (app: string) => `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`;

/** Running process containers of an app: "type.index" -> container id. */
async function processes(app: string): Promise<Record<string, string>> {
  const result = await run('docker', [
    'ps',
    '--filter', `label=paas.instance=${instance}`,
    '--filter', `label=paas.app=${app}`,
    '--filter', 'label=paas.role=process',
    '--format', '{{.ID}} {{.Label "paas.process"}}.{{.Label "paas.index"}}',
  ]);
  return Object.fromEntries(
    result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').reverse() as [string, string]),
  );
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function pushSample(app: string, edit?: (dir: string) => void) {
  const tree = await appWorkTree('dokku-sample');
  if (edit) {
    edit(tree.dir);
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'edit');
  }
  const push = await tree.git('push', remote(app), 'main');
  return { tree, push };
}

describe("a Dokku sample app (comments in app.json, a release type, deploy tasks, a content check)", () => {
  let output = '';

  it('deploys on the first push and runs only web', async () => {
    await daemon.paasOk(['apps:create', 'sample']);
    await daemon.paasOk(['config:set', '--no-restart', 'sample', 'SECRET_TOKEN=s3cret']);
    const { push } = await pushSample('sample');
    output = push.stderr;
    expect(push.code, output).toBe(0);
    expect(output).toContain('web check passed');
    expect(Object.keys(await processes('sample'))).toEqual(['web.1']);
    expect((await httpGet((await daemon.paasOk(['urls', 'sample'])).trim().split('\n')[0]!)).body).toBe('dokku sample\n');
    expect(await daemon.paasOk(['ps:scale', 'sample'])).toMatch(/web: 1\nworker: 0\ncron: 0\ncustom: 0\n/);
  });

  it('runs predeploy before the release command, and keeps what predeploy wrote in the image', async () => {
    const order = ['Running predeploy', 'Running release phase', 'Starting web.1', 'Running postdeploy'].map((text) => output.indexOf(text));
    expect(order.every((index) => index >= 0), output).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(await daemon.paas(['run', 'sample', 'ls', '/app/predeploy.test'])).toMatchObject({ code: 0, stdout: '/app/predeploy.test\n' });
    expect((await daemon.paas(['run', 'sample', 'ls', '/app/postdeploy.test'])).code).not.toBe(0);
    expect((await daemon.paas(['run', 'sample', 'ls', '/app/release.test'])).code).not.toBe(0);
  });

  it('keeps the config out of the committed image, and its CMD as it was', async () => {
    const release = JSON.parse(await daemon.paasOk(['releases', 'sample', '--format', 'json']))[0] as { image: string };
    const inspect = await run('docker', ['image', 'inspect', '-f', '{{json .Config.Env}} {{json .Config.Cmd}}', release.image]);
    expect(inspect.stdout).not.toContain('s3cret');
    expect(inspect.stdout).toContain('httpd -f -p ${PORT:-5000} -h /app/www');
    expect(await daemon.paasOk(['run', 'sample', 'echo $SECRET_TOKEN'])).toBe('s3cret\n');
  });

  it('scales worker 1 -> 2 without touching web or the first worker', async () => {
    const before = await processes('sample');
    await daemon.paasOk(['ps:scale', 'sample', 'worker=1']);
    const one = await processes('sample');
    expect(one['web.1']).toBe(before['web.1']);
    expect(Object.keys(one).sort()).toEqual(['web.1', 'worker.1']);
    const out = await daemon.paasOk(['ps:scale', 'sample', 'worker=2']);
    expect(out).toContain('Starting worker.2');
    expect(out).not.toContain('web.1');
    const two = await processes('sample');
    expect(two['web.1']).toBe(before['web.1']);
    expect(two['worker.1']).toBe(one['worker.1']);
    expect(Object.keys(two).sort()).toEqual(['web.1', 'worker.1', 'worker.2']);
    await daemon.paasOk(['ps:scale', 'sample', 'worker=0']);
    expect(Object.keys(await processes('sample'))).toEqual(['web.1']);
    expect(JSON.parse(await daemon.paasOk(['ps:scale', 'sample', '--format', 'json']))).toContainEqual({ process_type: 'web', quantity: 1 });
  });
});

describe('scale before the first deploy, and app.json formation', () => {
  it('stores ps:scale before the first deploy and applies it', async () => {
    await daemon.paasOk(['apps:create', 'early']);
    expect(await daemon.paasOk(['ps:scale', 'early', 'worker=1'])).toContain('stored for the first deploy');
    const { push } = await pushSample('early');
    expect(push.code, push.stderr).toBe(0);
    expect(Object.keys(await processes('early')).sort()).toEqual(['web.1', 'worker.1']);
  });

  it('--skip-deploy stores the counts for the next deploy', async () => {
    const before = await processes('early');
    await daemon.paasOk(['ps:scale', '--skip-deploy', 'early', 'worker=0']);
    expect(await processes('early')).toEqual(before);
    await daemon.paasOk(['deploy', 'early']);
    await until('the old release retired', async () => Object.keys(await processes('early')).join() === 'web.1');
  });

  it('honours app.json formation quantities, and refuses ps:scale while it sets them', async () => {
    const { push } = await pushSample('formed', (dir) => {
      const file = join(dir, 'app.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"scripts"', '"formation": { "web": { "quantity": 2, "max_parallel": 1 }, "worker": { "quantity": 1 } },\n  "scripts"'));
    });
    expect(push.code, push.stderr).toBe(0);
    expect(Object.keys(await processes('formed')).sort()).toEqual(['web.1', 'web.2', 'worker.1']);
    const refused = await daemon.paas(['ps:scale', 'formed', 'worker=3']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('app.json "formation" sets its process counts');
  });
});
