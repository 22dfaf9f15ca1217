import { beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, instanceOf, run, daemonWithToken, type DaemonHandle } from './harness.js';

const suite = daemonWithToken();
let daemon: DaemonHandle;
let token: string;
beforeAll(() => {
  daemon = suite.daemon();
  token = suite.token();
});
const remote = suite.remote;

/** Docker's view of the app's running process containers. */
const running = async (
  app: string,
): Promise<Array<{ Config: { Labels: Record<string, string> }; HostConfig: Record<string, unknown> }>> => {
  const ids = (
    await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=paas.instance=${instanceOf(daemon)}`,
      '--filter',
      `label=paas.app=${app}`,
      '--filter',
      'label=paas.role=process',
    ])
  ).stdout
    .split('\n')
    .filter(Boolean);
  expect(ids.length).toBeGreaterThan(0);
  return JSON.parse((await run('docker', ['inspect', ...ids])).stdout);
};
const newest = async (app: string) => {
  const all = await running(app);
  return all.sort((a, b) => Number(b.Config.Labels['paas.release']) - Number(a.Config.Labels['paas.release']))[0]!;
};

describe('docker-options', () => {
  it('a deploy-phase label shows on the containers of the next deploy, and nowhere before', async () => {
    await daemon.paasOk(['apps:create', 'opts']);
    const tree = await appWorkTree('hello');
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/opts.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    expect((await newest('opts')).Config.Labels.team).toBeUndefined();

    // From a remote client, as a CI job would.
    const added = await remote([
      'docker-options:add',
      'opts',
      'deploy',
      '--label team=web',
      '--shm-size 64m --ulimit nofile=1024:2048 --init',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('-----> Adding --label team=web to opts (deploy)');
    expect(await daemon.paasOk(['docker-options:report', 'opts', '--docker-options-deploy'])).toBe(
      '--label team=web --shm-size 64m --ulimit nofile=1024:2048 --init\n',
    );
    expect((await newest('opts')).Config.Labels.team).toBeUndefined();
    expect(await daemon.paasOk(['docker-options:list', 'opts', '--phase', 'deploy'])).toBe(
      '--label team=web\n--shm-size 64m\n--ulimit nofile=1024:2048\n--init\n',
    );

    await daemon.paasOk(['deploy', 'opts', '--force']);
    const container = await newest('opts');
    expect(container.Config.Labels.team).toBe('web');
    // paas's own settings are kept: its labels, the pid cap, no-new-privileges.
    expect(container.Config.Labels['paas.app']).toBe('opts');
    expect(container.HostConfig).toMatchObject({
      ShmSize: 64 * 1024 * 1024,
      Init: true,
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      PidsLimit: 1024,
      SecurityOpt: ['no-new-privileges:true'],
    });
    // The run phase has none of them.
    expect(await daemon.paasOk(['run', 'opts', 'sh', '-c', 'ulimit -n'])).not.toBe('1024\n');
  });

  it('refuses what it does not support, with the list, and stores nothing', async () => {
    const refusals: Array<[string[], RegExp, boolean]> = [
      [
        ['docker-options:add', 'opts', 'deploy', '--pid host'],
        /unsupported docker option --pid; paas supports: --label\/-l, --device/,
        false,
      ],
      [['docker-options:add', 'opts', 'deploy', '--privileged'], /can only be added by the paas command on the server/, true],
      [['docker-options:add', 'opts', 'deploy', '--network host'], /can only be added by the paas command on the server/, true],
      [['docker-options:add', 'opts', 'deploy', '--cap-add SYS_ADMIN'], /can only be added by the paas command on the server/, true],
      [['docker-options:add', 'opts', 'deploy', '-v /etc:/host-etc'], /from a remote client only storage folders/, true],
      [['docker-options:add', 'opts', 'deploy', `-v ${'/'}:/host`], /refusing to mount \//, false],
      [['docker-options:add', 'opts', 'deploy', '--label paas.app=other'], /paas's own/, false],
      [['docker-options:add', 'opts', 'deploy', '--network missing'], /network missing does not exist/, false],
      [['docker-options:add', 'opts', 'deploy', '--network bridge'], /stay on the paas network/, false],
      [['docker-options:add', 'opts', 'oops', '--init'], /invalid phase "oops"/, false],
      [['docker-options:add', 'opts', 'deploy', '--label "unclosed'], /unclosed "/, false],
    ];
    for (const [args, message, viaToken] of refusals) {
      const result = viaToken ? await remote(args) : await daemon.paas(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(await daemon.paasOk(['docker-options:report', 'opts', '--docker-options-deploy'])).toBe(
      '--label team=web --shm-size 64m --ulimit nofile=1024:2048 --init\n',
    );
    // From the server, root may give the app a device.
    await daemon.paasOk(['docker-options:add', 'opts', 'run', '--device /dev/null:/dev/extra-null']);
    expect(await daemon.paasOk(['run', 'opts', 'ls', '/dev/extra-null'])).toBe('/dev/extra-null\n');
  });

  it('remove matches however the option is quoted; clear empties the phases', async () => {
    await daemon.paasOk(['docker-options:remove', 'opts', 'deploy', `--label 'team=web'`]);
    expect(await daemon.paasOk(['docker-options:report', 'opts', '--docker-options-deploy'])).toBe(
      '--shm-size 64m --ulimit nofile=1024:2048 --init\n',
    );
    expect((await daemon.paas(['docker-options:remove', 'opts', 'deploy', '--label team=web'])).stderr).toMatch(
      /has no deploy option --label team=web/,
    );
    expect(await daemon.paasOk(['docker-options:clear', 'opts'])).toBe('-----> Clearing docker-options for opts on all phases\n');
    const report = JSON.parse(await daemon.paasOk(['docker-options:report', 'opts', '--format', 'json']));
    expect(report).toMatchObject({ build: '', deploy: '', run: '' });
  });
});
