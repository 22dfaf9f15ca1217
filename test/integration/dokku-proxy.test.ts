import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, freePort, httpGet, run, startDaemon, viaNginx, type DaemonHandle } from './harness.js';

/** proxy:enable / proxy:disable as Dokku has them: without nginx, the web container publishes the app's own ports. */
let daemon: DaemonHandle;
let instance: string;
let port: number;

beforeAll(async () => {
  daemon = await startDaemon();
  instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
  port = await freePort();
  const token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  await daemon.paasOk(['apps:create', 'site']);
  await daemon.paasOk(['domains:add', 'site', 'site.test']);
  const tree = await appWorkTree('dokku-sample');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/site.git`, 'main');
  if (push.code !== 0) throw new Error(push.stderr);
});
afterAll(async () => {
  await daemon?.destroy();
});

/** Host ports the app's running web containers publish, as Docker reports them. */
async function publishedBindings(app: string): Promise<string[]> {
  const ids = (
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
    .split('\n')
    .filter(Boolean);
  const inspected = await Promise.all(ids.map((id) => run('docker', ['inspect', '-f', '{{json .HostConfig.PortBindings}}', id])));
  return inspected.map((r) => r.stdout.trim());
}

describe('proxy:disable and proxy:enable', () => {
  it("refuses to disable the proxy of an app that has only nginx's default port", async () => {
    const refused = await daemon.paas(['proxy:disable', 'site']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('site has no port mappings of its own');
    expect(await daemon.paasOk(['proxy:report', 'site', '--proxy-enabled'])).toBe('true\n');
    expect((await viaNginx(daemon.httpPort, 'site.test')).body).toBe('dokku sample\n');
  });

  it('takes the app out of nginx and publishes its own port on the host from its web container', async () => {
    await daemon.paasOk(['ports:set', 'site', `http:${port}:5000`]);
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
    const out = await daemon.paasOk(['proxy:disable', 'site']);
    expect(out).toContain('-----> Disabling proxy for app site');
    expect(out).toContain('Stopping the old web containers first (web publishes host ports');
    expect((await httpGet(`http://127.0.0.1:${port}/`)).body).toBe('dokku sample\n');
    expect((await viaNginx(daemon.httpPort, 'site.test')).status).toBe(404);
    expect(await daemon.paasOk(['proxy:report', 'site', '--proxy-enabled'])).toBe('false\n');
    expect(await daemon.paasOk(['proxy:report', 'site', '--proxy-disabled'])).toBe('true\n');
    expect(await daemon.paasOk(['urls', 'site'])).toBe(`http://127.0.0.1:${port}\n`);
    expect(await publishedBindings('site')).toEqual([`{"5000/tcp":[{"HostIp":"127.0.0.1","HostPort":"${port}"}]}`]);
    expect(await daemon.paasOk(['proxy:disable', 'site'])).toContain('disabled already');
  });

  it('keeps it that way across deploys (one web container, stopped before the new one starts)', async () => {
    const scale = await daemon.paas(['ps:scale', 'site', 'web=2']);
    expect(scale.code).not.toBe(0);
    expect(scale.stderr).toContain('which only one container can do');
    const out = await daemon.paasOk(['deploy', 'site', '--force']);
    expect(out).toContain('web publishes host ports');
    expect((await httpGet(`http://127.0.0.1:${port}/`)).body).toBe('dokku sample\n');
    expect(await publishedBindings('site')).toHaveLength(1);
  });

  it('refuses the published port to any other app', async () => {
    await daemon.paasOk(['apps:create', 'other']);
    await daemon.paasOk(['domains:add', 'other', 'other.test']);
    // Refused as a port in use (Docker's userland proxy listens on it) or as site's.
    const taken = await daemon.paas(['ports:set', 'other', `http:${port}:5000`]);
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toMatch(new RegExp(`host port ${port} is in use|site cannot have port ${port}`));
    const forced = await daemon.paas(['ports:set', '--force', 'other', `http:${port}:5000`]);
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toContain(`site cannot have port ${port} to itself: app other (through nginx) uses it`);
  });

  it('apps:clone copies the disabled proxy and the settings, and never the published host port', async () => {
    await daemon.paasOk(['docker-options:add', 'site', 'deploy', '--label cloned=yes']);
    const refused = await daemon.paas(['apps:clone', 'site', 'site-copy']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`publishes host port ${port}, which a copy cannot share; clone with --skip-deploy`);
    expect((await daemon.paas(['apps:exists', 'site-copy'])).code).toBe(1);

    const out = await daemon.paasOk(['apps:clone', '--skip-deploy', 'site', 'site-copy']);
    expect(out).toContain('give it host ports of its own before deploying it');
    expect(await daemon.paasOk(['proxy:report', 'site-copy', '--proxy-enabled'])).toBe('false\n');
    expect(await daemon.paasOk(['docker-options:list', 'site-copy', '--phase', 'deploy'])).toContain('--label cloned=yes');
    const own = await freePort();
    await daemon.paasOk(['ports:set', 'site-copy', `http:${own}:5000`]);
    await daemon.paasOk(['deploy', 'site-copy']);
    expect((await httpGet(`http://127.0.0.1:${own}/`)).body).toBe('dokku sample\n');
    expect((await httpGet(`http://127.0.0.1:${port}/`)).body).toBe('dokku sample\n');
    await daemon.paasOk(['apps:destroy', 'site-copy', '--force']);
    await daemon.paasOk(['docker-options:remove', 'site', 'deploy', '--label cloned=yes']);
  });

  it('proxy:enable routes the app through nginx again and publishes nothing', async () => {
    const out = await daemon.paasOk(['proxy:enable', 'site']);
    expect(out).toContain('-----> Enabling proxy for app site');
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
    expect((await viaNginx(daemon.httpPort, 'site.test')).status).toBe(404); // its own map has only PORT
    expect(await publishedBindings('site')).toHaveLength(1);
    expect((await publishedBindings('site'))[0]).not.toContain('HostPort');
    expect(await daemon.paasOk(['proxy:report', 'site', '--proxy-enabled'])).toBe('true\n');
    // proxy:set disabled is the same switch.
    expect(await daemon.paasOk(['proxy:set', 'site', 'disabled', 'true'])).toContain('Disabling proxy for app site');
    expect((await httpGet(`http://127.0.0.1:${port}/`)).body).toBe('dokku sample\n');
    await daemon.paasOk(['proxy:enable', '--all']);
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
  });
});

describe('domains:disable and domains:enable', () => {
  it('serves the app on a port of its own for any host name, then at its domains again', async () => {
    const out = await daemon.paasOk(['domains:disable', 'site']);
    expect(out).toContain('-----> Disabling VHOST support for site');
    const proxyPort = Number((await daemon.paasOk(['proxy:report', 'site', '--proxy-computed-proxy-port'])).trim());
    expect(proxyPort).toBeGreaterThanOrEqual(10000);
    expect((await viaNginx(proxyPort, 'anything.example')).body).toBe('dokku sample\n');
    expect((await viaNginx(port, 'site.test')).status).not.toBe(200);
    expect(await daemon.paasOk(['domains:report', 'site', '--domains-app-enabled'])).toBe('false\n');
    expect(await daemon.paasOk(['domains:report', 'site', '--domains-app-vhosts'])).toBe('site.test\n');
    expect(await daemon.paasOk(['urls', 'site'])).toBe(`http://127.0.0.1:${proxyPort}\n`);

    const chosen = await freePort();
    await daemon.paasOk(['proxy:set', 'site', 'proxy-port', String(chosen)]);
    expect((await viaNginx(chosen, 'whatever.test')).body).toBe('dokku sample\n');
    const clash = await daemon.paas(['ports:set', '--force', 'other', `http:${chosen}:5000`]);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain(`site cannot have port ${chosen} to itself`);
    expect((await daemon.paas(['proxy:set', 'site', 'proxy-port', 'high'])).stderr).toContain('proxy-port must be a port number');

    // A copy keeps the domains disabled, on a port of its own.
    const cloned = await daemon.paasOk(['apps:clone', 'site', 'site-port']);
    const copyPort = Number(/nginx serves it on port (\d+)/.exec(cloned)?.[1]);
    expect(copyPort).not.toBe(chosen);
    expect(await daemon.paasOk(['domains:report', 'site-port', '--domains-app-enabled'])).toBe('false\n');
    expect((await viaNginx(copyPort, 'any.test')).body).toBe('dokku sample\n');
    expect((await viaNginx(chosen, 'whatever.test')).body).toBe('dokku sample\n');
    await daemon.paasOk(['apps:destroy', 'site-port', '--force']);

    expect(await daemon.paasOk(['domains:enable', 'site'])).toContain('-----> Enabling VHOST support for site');
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
    expect((await viaNginx(chosen, 'whatever.test')).status).not.toBe(200);
    expect(await daemon.paasOk(['domains:report', 'site', '--domains-app-enabled'])).toBe('true\n');
  });
});

describe('proxy:build-config and proxy:clear-config', () => {
  const conf = () => join(daemon.home, 'nginx', 'apps', 'site.conf');

  it('build-config writes a removed configuration again and reloads nginx', async () => {
    const before = readFileSync(conf(), 'utf8');
    rmSync(conf());
    const out = await daemon.paasOk(['proxy:build-config', 'site']);
    expect(out).toContain('-----> Built the nginx configuration of site');
    expect(out).toMatch(/nginx reloaded/);
    expect(readFileSync(conf(), 'utf8')).toBe(before);
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
  });

  it('clear-config stops serving the app, across other changes, until build-config', async () => {
    const out = await daemon.paasOk(['proxy:clear-config', 'site']);
    expect(out).toContain('-----> Cleared the nginx configuration of site');
    expect(existsSync(conf())).toBe(false);
    expect((await viaNginx(port, 'site.test')).status).not.toBe(200);
    expect(await daemon.paasOk(['proxy:report', 'site', '--proxy-config-cleared'])).toBe('true\n');
    expect((await daemon.paas(['nginx:show-config', 'site'])).stderr).toContain('paas proxy:build-config site');
    // Another app's change renders the whole tree: the cleared app stays out.
    await daemon.paasOk(['apps:create', 'bystander']);
    await daemon.paasOk(['domains:add', 'bystander', 'bystander.test']);
    expect(existsSync(conf())).toBe(false);
    await daemon.paasOk(['proxy:build-config', '--all']);
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
    expect(await daemon.paasOk(['proxy:report', 'site', '--proxy-config-cleared'])).toBe('false\n');
  });

  it('a deploy writes a cleared configuration again; bad input changes nothing', async () => {
    await daemon.paasOk(['proxy:clear-config', '--all']);
    expect((await viaNginx(port, 'site.test')).status).not.toBe(200);
    await daemon.paasOk(['ps:rebuild', 'site']);
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
    const refused = await daemon.paas(['proxy:clear-config', 'site', '--parallel', '2']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--parallel goes with --all');
    expect((await daemon.paas(['proxy:build-config', 'nope'])).code).not.toBe(0);
    expect((await viaNginx(port, 'site.test')).body).toBe('dokku sample\n');
  });
});
