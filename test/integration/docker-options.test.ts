import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, httpGet, instanceOf, paasBytes, processContainerIds, run, daemonWithToken, type DaemonHandle } from './harness.js';

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
  const ids = await processContainerIds(daemon, app);
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

describe('docker-options of the build phase', () => {
  it('reach a Dockerfile build: build args, label, hosts entry, /dev/shm, ulimit, memory, CPUs and network', async () => {
    await daemon.paasOk(['network:create', 'buildnet']);
    await daemon.paasOk(['apps:create', 'bopts']);
    // Refused: options a build cannot take, and build args outside the build phase; nothing is stored.
    for (const [args, message] of [
      [
        ['docker-options:add', 'bopts', 'build', '--device /dev/null'],
        /--device is not supported in the build phase; there paas supports: --label\/-l, --shm-size/,
      ],
      [['docker-options:add', 'bopts', 'build,deploy', '--init'], /--init is not supported in the build phase/],
      [['docker-options:add', 'bopts', 'deploy', '--build-arg A=1'], /--build-arg is not supported in the deploy phase/],
      [['docker-options:add', 'bopts', 'build', '--build-arg 1A=x'], /invalid --build-arg "1A=x"/],
    ] as Array<[string[], RegExp]>) {
      const result = await daemon.paas(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect((await remote(['docker-options:add', 'bopts', 'build', '--network host'])).stderr).toMatch(
      /only be added by the paas command on the server/,
    );
    expect(JSON.parse(await daemon.paasOk(['docker-options:report', 'bopts', '--format', 'json']))).toMatchObject({
      build: '',
      deploy: '',
    });

    const added = await remote([
      'docker-options:add',
      'bopts',
      'build',
      '--build-arg GREETING="hello from a build arg"',
      '--label team=builders --add-host db.internal:10.1.2.3 --shm-size 96m --ulimit nofile=1111:2222',
      '--memory 512m --cpus 1.5 --network buildnet',
    ]);
    expect(added.code, added.stderr).toBe(0);

    const tree = await appWorkTree('hello');
    writeFileSync(
      join(tree.dir, 'Dockerfile'),
      [
        'FROM paas-test/busybox:1',
        'ARG GREETING',
        'COPY www /www',
        'RUN chmod 0755 /www/cgi-bin/* && echo "$GREETING" > /www/arg.txt && grep db.internal /etc/hosts > /www/hosts.txt' +
          ' && df -k /dev/shm | tail -1 > /www/shm.txt && ulimit -n > /www/nofile.txt' +
          ' && cat /sys/fs/cgroup/memory/memory.limit_in_bytes > /www/memory.txt && cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us > /www/cpu.txt' +
          ' && ip -4 -o addr show eth0 > /www/net.txt',
        'EXPOSE 5000',
        'CMD httpd -f -p ${PORT:-5000} -h /www',
        '',
      ].join('\n'),
    );
    await tree.git('commit', '-qam', 'report the build environment');
    const push = await tree.git('push', `http://paas:${token}@127.0.0.1:${daemon.apiPort}/bopts.git`, 'main');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('Build options (docker-options): --build-arg');
    const url = (await daemon.paasOk(['urls', 'bopts'])).trim().split('\n')[0]!;
    const file = async (name: string) => (await httpGet(`${url}/${name}`)).body;
    expect(await file('arg.txt')).toBe('hello from a build arg\n');
    expect(await file('hosts.txt')).toMatch(/^10\.1\.2\.3\s+db\.internal$/m);
    expect((await file('shm.txt')).split(/\s+/)[1]).toBe(String(96 * 1024));
    expect(await file('nofile.txt')).toBe('1111\n');
    expect(await file('memory.txt')).toBe(`${512 * 1024 * 1024}\n`);
    expect(await file('cpu.txt')).toBe('150000\n');
    // The build ran on the network made with network:create.
    const subnet = JSON.parse(
      (await run('docker', ['network', 'inspect', `paas-${instanceOf(daemon)}-network-buildnet`, '--format', '{{json .IPAM.Config}}']))
        .stdout,
    )[0].Subnet as string;
    const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
    const [base, bits] = subnet.split('/');
    const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(await file('net.txt'))![1]!;
    const size = 2 ** (32 - Number(bits));
    expect(Math.floor(toInt(address) / size)).toBe(Math.floor(toInt(base!) / size));
    const release = JSON.parse(await daemon.paasOk(['releases', 'bopts', '--format', 'json']))[0] as { image: string };
    const labels = JSON.parse((await run('docker', ['image', 'inspect', release.image, '--format', '{{json .Config.Labels}}'])).stdout);
    expect(labels.team).toBe('builders');
  });

  it('reach a buildpack build: its build args join the config the buildpacks see, the rest the build container', async () => {
    const buildpack = mkdtempSync(join(tmpdir(), 'paas-build-options-'));
    try {
      mkdirSync(join(buildpack, 'bin'));
      const script = (name: string, body: string) => {
        writeFileSync(join(buildpack, 'bin', name), `#!/usr/bin/env bash\n${body}`);
        chmodSync(join(buildpack, 'bin', name), 0o755);
      };
      script('detect', 'echo Reporter\n');
      script(
        'compile',
        'cat "$3/GREETING" > "$1/arg.txt"; grep db.internal /etc/hosts > "$1/hosts.txt"; ulimit -n > "$1/nofile.txt"\n' +
          'cat /sys/fs/cgroup/memory/memory.limit_in_bytes > "$1/memory.txt"\n',
      );
      script('release', 'printf -- \'---\\ndefault_process_types:\\n  web: exec python3 -m http.server "$PORT"\\n\'\n');
      await daemon.paasOk(['apps:create', 'bpopts']);
      await daemon.paasOk(['buildpacks:set', 'bpopts', `file://${buildpack}`]);
      await daemon.paasOk([
        'docker-options:add',
        'bpopts',
        'build',
        '--build-arg GREETING=from-the-build-phase --label team=builders',
        '--add-host db.internal:10.1.2.3 --ulimit nofile=1111:2222 --memory 700m',
      ]);
      // From the server (its code may use a buildpack folder of the server): an archive on stdin.
      const dir = mkdtempSync(join(buildpack, 'app-'));
      writeFileSync(join(dir, 'README'), 'served by the reporter buildpack\n');
      const tarball = execFileSync('tar', ['-C', dir, '-c', '.']);
      const deployed = await paasBytes(daemon, ['git:from-archive', 'bpopts', '-'], tarball);
      expect(deployed.code, deployed.stderr.toString()).toBe(0);
      const url = (await daemon.paasOk(['urls', 'bpopts'])).trim().split('\n')[0]!;
      const file = async (name: string) => (await httpGet(`${url}/${name}`)).body;
      expect(await file('arg.txt')).toBe('from-the-build-phase');
      expect(await file('hosts.txt')).toMatch(/^10\.1\.2\.3\s+db\.internal$/m);
      expect(await file('nofile.txt')).toBe('1111\n');
      expect(await file('memory.txt')).toBe(`${700 * 1024 * 1024}\n`);
      const release = JSON.parse(await daemon.paasOk(['releases', 'bpopts', '--format', 'json']))[0] as { image: string };
      const labels = JSON.parse((await run('docker', ['image', 'inspect', release.image, '--format', '{{json .Config.Labels}}'])).stdout);
      expect(labels.team).toBe('builders');
    } finally {
      rmSync(buildpack, { recursive: true, force: true });
    }
  });
});
