import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, httpGet, startDaemon, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;
let token: string;
let remote: (app: string, secret?: string) => string;

beforeAll(async () => {
  daemon = await startDaemon();
  token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = (app, secret = token) => `http://paas:${secret}@127.0.0.1:${daemon.apiPort}/${app}.git`;
});
afterAll(async () => {
  await daemon?.destroy();
});

async function urlOf(app: string): Promise<string> {
  return (await daemon.paasOk(['urls', app])).trim().split('\n')[0]!;
}

describe('git push over HTTP', () => {
  it('creates the app, streams the build and serves the app at the printed URL', async () => {
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', remote('hello'), 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/remote: -----> Building hello from Dockerfile/);
    expect(push.stderr).toMatch(/remote: +Step 1\/\d+ : FROM paas-test\/busybox:1/);
    expect(push.stderr).toMatch(/remote: =====> Application deployed:/);
    // No domain: the container's address on the paas network (nothing is published on the host).
    const printed = /remote: +(http:\/\/\d+\.\d+\.\d+\.\d+:5000)/.exec(push.stderr)?.[1];
    expect(printed).toBeDefined();
    expect(await urlOf('hello')).toBe(printed);
    expect(await httpGet(printed!)).toEqual({ status: 200, body: 'hello from paas\n' });
    expect(await daemon.paasOk(['apps:list'])).toContain('hello');
    expect(await daemon.paasOk(['releases', 'hello'])).toMatch(/v1 +Deploy [0-9a-f]{7}/);
  });

  it('gives the app its config and PORT, and keeps build output for builds:output', async () => {
    await daemon.paasOk(['config:set', 'hello', 'GREETING=hi there']);
    await daemon.paasOk(['deploy', 'hello']);
    const env = await httpGet(`${await urlOf('hello')}/cgi-bin/env`);
    expect(env.body).toContain('GREETING=hi there');
    expect(env.body).toContain('PORT=5000');
    expect(env.body).toMatch(/GIT_REV=[0-9a-f]{40}/);
    const builds = await daemon.paasOk(['builds:list', 'hello']);
    expect(builds).toMatch(/2 +succeeded/);
    expect(await daemon.paasOk(['builds:output', 'hello', '1'])).toContain('Successfully built');
  });

  it('rejects a push whose Dockerfile fails, naming the step, and keeps the old version serving', async () => {
    const url = await urlOf('hello');
    const tree = await appWorkTree('hello');
    await tree.git('pull', '-q', '--rebase=false', '--allow-unrelated-histories', '-X', 'theirs', remote('hello'), 'main');
    const before = (await tree.git('ls-remote', remote('hello'), 'refs/heads/main')).stdout;
    const { appendFileSync } = await import('node:fs');
    appendFileSync(`${tree.dir}/Dockerfile`, 'RUN echo about to fail && false\n');
    await tree.git('commit', '-qam', 'break the build');
    const push = await tree.git('push', remote('hello'), 'main');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/remote: error: build failed at step \d+\/\d+ \(RUN echo about to fail && false\)/);
    expect(push.stderr).toContain('[remote rejected] main -> main (pre-receive hook declined)');
    expect((await tree.git('ls-remote', remote('hello'), 'refs/heads/main')).stdout).toBe(before);
    expect(await httpGet(url)).toEqual({ status: 200, body: 'hello from paas\n' });
    expect(await daemon.paasOk(['builds:list', 'hello'])).toMatch(/3 +failed/);
  });

  it('refuses a second push while a deploy of the same app runs', async () => {
    const slow = await appWorkTree('slow');
    const fast = await appWorkTree('hello');
    const first = slow.git('push', remote('racer'), 'main');
    const deadline = Date.now() + 30_000;
    while (!(await daemon.paas(['builds:list', 'racer'])).stdout.includes('running')) {
      if (Date.now() > deadline) throw new Error('the first push did not start building');
      await new Promise((r) => setTimeout(r, 200));
    }
    const second = await fast.git('push', '--force', remote('racer'), 'main');
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/remote: error: a deploy of racer is in progress \(since \d\d:\d\d:\d\d UTC/);
    expect(second.stderr).toContain('pre-receive hook declined');
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
  });

  it('stores pushes to other branches without deploying them', async () => {
    const tree = await appWorkTree('hello');
    await tree.git('checkout', '-q', '-b', 'feature');
    const push = await tree.git('push', remote('branchy'), 'feature');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).not.toContain('Building');
    expect((await daemon.paas(['urls', 'branchy'])).stderr).toContain('branchy is not running');
    await daemon.paasOk(['git:set', 'branchy', 'deploy-branch', 'feature']);
    expect(await daemon.paasOk(['deploy', 'branchy'])).toContain('Application deployed');
  });
});

describe('a monorepo', () => {
  it('builds the Dockerfile of the folder set with builder:set build-dir', async () => {
    const tree = await appWorkTree('hello');
    const { mkdirSync, renameSync } = await import('node:fs');
    mkdirSync(`${tree.dir}/services`);
    for (const entry of ['Dockerfile', 'www']) renameSync(`${tree.dir}/${entry}`, `${tree.dir}/services/${entry}`);
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'move into services/');
    await daemon.paasOk(['apps:create', 'mono']);
    await daemon.paasOk(['builder:set', 'mono', 'build-dir', 'services']);
    const push = await tree.git('push', remote('mono'), 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('Building mono from Dockerfile');
    expect(await httpGet(await urlOf('mono'))).toEqual({ status: 200, body: 'hello from paas\n' });
  });
});

describe('git over HTTP refuses what it must', () => {
  it('refuses a POST without credentials: 401 and nothing written', async () => {
    const response = await fetch(`http://127.0.0.1:${daemon.apiPort}/hello.git/git-receive-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-receive-pack-request' },
      body: '0000',
    });
    expect(response.status).toBe(401);
    const refs = await fetch(`http://127.0.0.1:${daemon.apiPort}/hello.git/info/refs?service=git-receive-pack`);
    expect(refs.status).toBe(401);
  });

  it('refuses a wrong token', async () => {
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', remote('intruder', 'paas_wrongtoken'), 'main');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/Authentication failed|401/);
    expect(await daemon.paasOk(['apps:list'])).not.toContain('intruder');
  });

  it('refuses repo paths that escape the repos folder', async () => {
    for (const path of ['/../../etc.git/info/refs', '/..%2F..%2Fetc.git/info/refs', '/Hello.git/info/refs']) {
      const response = await fetch(`http://127.0.0.1:${daemon.apiPort}${path}?service=git-upload-pack`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, path).toBe(404);
    }
  });

  it('never creates an app on a read: info/refs, ls-remote and clone of an unknown app', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const refs = await fetch(`http://127.0.0.1:${daemon.apiPort}/peeked.git/info/refs?service=git-receive-pack`, { headers: auth });
    expect(refs.status).toBe(200);
    expect(refs.headers.get('content-type')).toBe('application/x-git-receive-pack-advertisement');
    expect(await refs.text()).toContain('# service=git-receive-pack');
    const fetchRefs = await fetch(`http://127.0.0.1:${daemon.apiPort}/peeked.git/info/refs?service=git-upload-pack`, { headers: auth });
    expect(fetchRefs.status).toBe(404);
    expect(await fetchRefs.text()).toBe('app "peeked" does not exist; create it with: paas apps:create peeked\n');
    const tree = await appWorkTree('hello');
    expect((await tree.git('ls-remote', remote('peeked'))).code).not.toBe(0);
    expect((await daemon.paasOk(['apps:list'])).split('\n')).not.toContain('peeked');
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${daemon.home}/repos/peeked.git`)).toBe(false);
  });

  it('answers a POST of the wrong type with 415, and writes nothing', async () => {
    for (const service of ['git-receive-pack', 'git-upload-pack']) {
      const response = await fetch(`http://127.0.0.1:${daemon.apiPort}/typo.git/${service}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: '0000',
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status, service).toBe(415);
      expect(await response.text()).toContain(`application/x-${service}-request`);
    }
    expect((await daemon.paasOk(['apps:list'])).split('\n')).not.toContain('typo');
  });

  it('refuses to create apps by push when autocreation is off', async () => {
    await daemon.paasOk(['apps:set', '--global', 'disable-autocreation', 'true']);
    const refs = await fetch(`http://127.0.0.1:${daemon.apiPort}/newcomer.git/info/refs?service=git-receive-pack`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refs.status).toBe(404);
    expect(await refs.text()).toContain('autocreation is off; create it with: paas apps:create newcomer');
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', remote('newcomer'), 'main');
    expect(push.code).not.toBe(0);
    expect(await daemon.paasOk(['apps:list'])).not.toContain('newcomer');
    await daemon.paasOk(['apps:set', '--global', 'disable-autocreation', 'false']);
  });
});

describe('destroying an app', () => {
  it('removes its containers and repo', async () => {
    const url = await urlOf('branchy');
    await daemon.paasOk(['apps:destroy', 'branchy', '--force']);
    expect((await httpGet(url)).status).toBe(0);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${daemon.home}/repos/branchy.git`)).toBe(false);
  });
});
