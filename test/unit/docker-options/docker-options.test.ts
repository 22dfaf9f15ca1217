import { describe, expect, it } from 'vitest';
import { applyOverrides, overridesOf } from '../../../src/docker-options/container-overrides.js';
import { formatOption, parseOptions, type OptionContext } from '../../../src/docker-options/option-parser.js';
import { parsePhases } from '../../../src/docker-options/docker-options-part.js';
import { quoteWord, shellWords } from '../../../src/docker-options/shell-words.js';

const remote: OptionContext = { local: false, volume: (spec) => `/resolved/${spec}` };
const local: OptionContext = { ...remote, local: true };

describe('shellWords', () => {
  it('splits like a shell without expanding anything', () => {
    expect(shellWords(`--label "a=b c" --x 'it''s' \\$HOME $(id) \`x\` *`)).toEqual([
      '--label',
      'a=b c',
      '--x',
      'its',
      '$HOME',
      '$(id)',
      '`x`',
      '*',
    ]);
    expect(shellWords(`"say \\"hi\\" \\\\ \\n"`)).toEqual(['say "hi" \\ \\n']);
    expect(shellWords('  ')).toEqual([]);
    expect(shellWords(`''`)).toEqual(['']);
    expect(() => shellWords(`--label 'open`)).toThrow(/unclosed '/);
  });

  it('quoteWord round-trips through shellWords', () => {
    for (const word of ['plain=1', 'two words', "it's", '$(id)', '', 'Host(`a`) && PathPrefix(`/b`)']) {
      expect(shellWords(quoteWord(word))).toEqual([word]);
    }
  });
});

describe('parseOptions', () => {
  it('reads several options from one string and each form of a flag', () => {
    expect(parseOptions(['--label team=web --shm-size=256m', '-v data:/d', '--init', '-m 1g', '--net backend'], remote)).toEqual([
      { flag: 'label', value: 'team=web' },
      { flag: 'shm-size', value: '256m' },
      { flag: 'volume', value: '/resolved/data:/d' },
      { flag: 'init' },
      { flag: 'memory', value: '1g' },
      { flag: 'network', value: 'backend' },
    ]);
    expect(parseOptions(['--label "traefik.rule=Host(`a.b`) && PathPrefix(`/api`)"'], remote)).toEqual([
      { flag: 'label', value: 'traefik.rule=Host(`a.b`) && PathPrefix(`/api`)' },
    ]);
    expect(parseOptions(['--cap-add cap_net_admin'], local)).toEqual([{ flag: 'cap-add', value: 'NET_ADMIN' }]);
    expect(parseOptions(['--gpus "device=0,1"'], remote)).toEqual([{ flag: 'gpus', value: 'device=0,1' }]);
  });

  it('refuses unsupported options with the supported list', () => {
    expect(() => parseOptions(['--pid host'], local)).toThrow(
      /unsupported docker option --pid; paas supports: --label\/-l, --device, --cap-add/,
    );
    expect(() => parseOptions(['team=web'], local)).toThrow(/expected a docker option, got "team=web"/);
    expect(() => parseOptions([''], local)).toThrow(/no docker option given/);
  });

  it('refuses bad values with what is accepted', () => {
    const cases: Array<[string, RegExp]> = [
      ['--shm-size lots', /invalid --shm-size "lots": use a size/],
      ['--ulimit files=1', /invalid --ulimit "files=1"/],
      ['--add-host db', /invalid --add-host "db"/],
      ['--restart sometimes', /invalid --restart/],
      ['--log-opt driver=syslog', /invalid --log-opt/],
      ['--memory-swappiness 101', /0 to 100/],
      ['--cpus -1', /invalid --cpus/],
      ['--label paas.instance=x', /paas's own/],
      ['--network none', /stay on the paas network/],
      ['--device /etc/passwd', /invalid --device/],
      ['--init=false', /takes no value/],
      ['--label', /needs a value/],
    ];
    for (const [input, message] of cases) expect(() => parseOptions([input], local), input).toThrow(message);
  });

  it('keeps the options that reach the server itself for the local socket', () => {
    for (const input of ['--privileged', '--network host', '--device /dev/fuse', '--cap-add SYS_ADMIN', '--cap-add ALL']) {
      expect(() => parseOptions([input], remote), input).toThrow(/can only be added by the paas command on the server/);
      expect(parseOptions([input], local)).toHaveLength(1);
    }
    expect(parseOptions(['--cap-add NET_BIND_SERVICE', '--cap-drop ALL'], remote)).toHaveLength(2);
  });

  it('formats an option so it parses back the same', () => {
    for (const input of ['--label "a=b c d"', '--init', '--ulimit nofile=1:2']) {
      const [option] = parseOptions([input], local);
      expect(parseOptions([formatOption(option!)], local)).toEqual([option]);
    }
  });
});

describe('container overrides', () => {
  it("lays the options over paas's spec, keeping its labels and security defaults", () => {
    const overrides = overridesOf(
      parseOptions(
        [
          '--label team=web --label paas=no',
          '--restart always --log-opt max-file=5 -v /resolved/x:/x --memory 512m --memory-swap -1 --cpus 1.5 --gpus all',
          '--add-host db:10.0.0.5 --ulimit nofile=10 --device /dev/fuse',
        ],
        { local: true, volume: (spec) => spec },
      ),
    );
    const spec = applyOverrides(
      {
        Labels: { 'paas.app': 'blog' },
        HostConfig: {
          PidsLimit: 1024,
          SecurityOpt: ['no-new-privileges:true'],
          Binds: ['/storage/a:/a'],
          RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 10 },
          LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
          NetworkMode: 'paas-x',
        },
      },
      overrides,
    );
    expect(spec.Labels).toEqual({ team: 'web', paas: 'no', 'paas.app': 'blog' });
    expect(spec.HostConfig).toEqual({
      PidsLimit: 1024,
      SecurityOpt: ['no-new-privileges:true'],
      Binds: ['/storage/a:/a', '/resolved/x:/x'],
      RestartPolicy: { Name: 'always' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '5' } },
      NetworkMode: 'paas-x',
      Memory: 512 * 1024 * 1024,
      MemorySwap: -1,
      NanoCpus: 1.5e9,
      DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }],
      ExtraHosts: ['db:10.0.0.5'],
      Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 10 }],
      Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
    });
  });

  it('gives a one-off no restart policy, and host networking replaces the paas network', () => {
    const overrides = overridesOf([
      { flag: 'restart', value: 'always' },
      { flag: 'network', value: 'host' },
      { flag: 'network', value: 'backend' },
    ]);
    expect(overrides.networks).toEqual(['backend']);
    const spec = applyOverrides(
      { ExposedPorts: { '5000/tcp': {} }, NetworkingConfig: {}, HostConfig: { NetworkMode: 'paas-x', AutoRemove: true } },
      overrides,
    );
    expect(spec.HostConfig).toEqual({ NetworkMode: 'host', AutoRemove: true });
    expect(spec.NetworkingConfig).toBeUndefined();
    expect(spec.ExposedPorts).toBeUndefined();
    expect(applyOverrides(spec, undefined)).toBe(spec);
  });
});

describe('parsePhases', () => {
  it('takes comma-separated phases and refuses unknown ones', () => {
    expect(parsePhases('deploy,run,deploy')).toEqual(['deploy', 'run']);
    expect(() => parsePhases('deploy,launch')).toThrow(/invalid phase "launch"/);
    expect(() => parsePhases(',')).toThrow(/no phase given/);
  });
});
