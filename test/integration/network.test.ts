import { beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, instanceOf, run, daemonWithToken, type DaemonHandle } from './harness.js';

/** Apps on a network:create'd network reach each other by APP.PROCESS; an app on none reaches nobody. */
const suite = daemonWithToken();
let daemon: DaemonHandle;
let token: string;
beforeAll(() => {
  daemon = suite.daemon();
  token = suite.token();
});

/** Pushes the hello sample (the push creates the app when it does not exist). */
async function deploy(app: string): Promise<void> {
  const tree = await appWorkTree('hello');
  const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`, 'main');
  expect(push.code, push.stderr).toBe(0);
}

/**
 * An HTTP GET of HOST:PORT from the app's web.1, its name resolved by Docker's DNS first (the
 * static busybox's wget and nc cannot resolve names themselves; its nslookup asks the server
 * directly); undefined when either fails.
 */
const FETCH =
  'host=${1%%:*}; port=${1#*:}; case "$host" in *[a-z]*) host=$(nslookup "$host" | sed -n "s/^Address: //p" | tail -n 1);; esac; ' +
  '[ -n "$host" ] && printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 3 "$host" "$port"';
async function fetchFrom(app: string, target: string): Promise<string | undefined> {
  const result = await daemon.paas(['enter', app, 'web.1', 'sh', '-c', FETCH, 'fetch', target]);
  return result.code === 0 ? result.stdout : undefined;
}

describe('network', () => {
  it('network:create makes a network; names are checked', async () => {
    expect(await daemon.paasOk(['network:create', 'shared'])).toBe('-----> Creating network shared\n');
    expect((await daemon.paas(['network:create', 'shared'])).stderr).toMatch(/network shared already exists/);
    expect((await daemon.paas(['network:create', 'Bad Name'])).stderr).toMatch(/invalid network name/);
    expect(await daemon.paasOk(['network:list'])).toBe('=====> Networks\nshared\n');
    expect((await daemon.paas(['network:exists', 'shared'])).code).toBe(0);
    expect((await daemon.paas(['network:exists', 'other'])).code).toBe(1);
    const [info] = JSON.parse(await daemon.paasOk(['network:list', '--format', 'json']));
    expect(info).toMatchObject({
      Name: 'shared',
      DockerName: `paas-${instanceOf(daemon)}-network-shared`,
      Driver: 'bridge',
      DokkuManaged: true,
    });
    expect((await daemon.paas(['network:set', 'nobody', 'attach-post-create', 'shared'])).stderr).toMatch(/does not exist/);
  });

  it('two apps on it reach each other by APP.PROCESS; an app on no shared network cannot', async () => {
    await daemon.paasOk(['apps:create', 'front']);
    await daemon.paasOk(['apps:create', 'back']);
    expect((await daemon.paas(['network:set', 'back', 'attach-post-create', 'missing'])).stderr).toMatch(/network missing does not exist/);
    expect(await daemon.paasOk(['network:set', 'back', 'attach-post-create', 'shared'])).toBe(
      '-----> Setting attach-post-create to shared\n',
    );
    await daemon.paasOk(['network:set', 'front', 'initial-network', 'shared']);
    await deploy('back');
    await deploy('front');
    await deploy('alone');
    expect(await daemon.paasOk(['network:report', 'back', '--network-computed-attach-post-create'])).toBe('shared\n');

    expect(await fetchFrom('front', 'back.web:5000')).toContain('hello from paas');
    expect(await fetchFrom('back', 'front.web:5000')).toContain('hello from paas');

    // Neither by name nor by any address of the other apps.
    expect(await fetchFrom('alone', 'back.web:5000')).toBeUndefined();
    const ids = (
      await run('docker', ['ps', '-q', '--filter', `label=paas.instance=${instanceOf(daemon)}`, '--filter', 'label=paas.app=back'])
    ).stdout;
    const inspect = JSON.parse((await run('docker', ['inspect', ...ids.split('\n').filter(Boolean)])).stdout);
    const addresses = inspect.flatMap((c: { NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }) =>
      Object.values(c.NetworkSettings.Networks).map((n) => n.IPAddress),
    );
    expect(addresses.length).toBe(2);
    for (const address of addresses) expect(await fetchFrom('alone', `${address}:5000`), address).toBeUndefined();
    // The paas network itself still keeps apps apart, also the ones on a shared network.
    expect(await fetchFrom('alone', 'back.web.1:5000')).toBeUndefined();
  });

  it('leaving the network takes effect at once; a used network is not destroyed', async () => {
    expect((await daemon.paas(['network:destroy', 'shared', '--force'])).stderr).toMatch(/network shared is used by back, front/);
    await daemon.paasOk(['network:set', 'back', 'attach-post-create']);
    expect(await fetchFrom('front', 'back.web:5000')).toBeUndefined();
    await daemon.paasOk(['network:set', 'front', 'initial-network']);
    expect((await daemon.paas(['network:destroy', 'shared'])).stderr).toMatch(/--force/);
    expect(await daemon.paasOk(['network:destroy', 'shared', '--force'])).toBe('-----> Destroying network shared\n');
    expect(await daemon.paasOk(['network:list'])).toBe('=====> Networks\n');
  });
});
