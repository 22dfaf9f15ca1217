import { describe, expect, it } from 'vitest';
import { buildApiParams, buildContainerHost, buildOverridesOf } from '../../../src/docker-options/build-overrides.js';
import { assertPhaseOptions, parseOptions, phaseFlags } from '../../../src/docker-options/option-parser.js';

const parse = (...inputs: string[]) => parseOptions(inputs, { local: false, volume: (spec) => spec });

describe('build-phase docker options', () => {
  it('become the classic build API parameters: JSON ulimits, repeated hosts, a CPU quota', () => {
    const overrides = buildOverridesOf(
      parse(
        '--build-arg NODE_ENV=production --label team=web --add-host db:10.0.0.5',
        '--shm-size 64m --ulimit nofile=10:20 --memory 1g --cpus 0.5',
      ),
    )!;
    expect(overrides.buildArgs).toEqual({ NODE_ENV: 'production' });
    expect(buildApiParams(overrides, 'paas-x-network-backend')).toEqual({
      labels: { team: 'web' },
      extrahosts: ['db:10.0.0.5'],
      shmsize: 64 * 1024 * 1024,
      ulimits: '[{"Name":"nofile","Soft":10,"Hard":20}]',
      memory: 1024 ** 3,
      cpuperiod: 100_000,
      cpuquota: 50_000,
      networkmode: 'paas-x-network-backend',
    });
  });

  it('become a buildpack build container host config, memory without swap unless --memory-swap says', () => {
    expect(buildContainerHost(buildOverridesOf(parse('--memory 512m --cpus 2'))!)).toEqual({
      Memory: 512 * 1024 * 1024,
      MemorySwap: 512 * 1024 * 1024,
      NanoCpus: 2e9,
    });
    expect(buildOverridesOf([])).toBeUndefined();
  });

  it('take only the options a build can use, and --build-arg only there', () => {
    expect(phaseFlags('build')).toContain('build-arg');
    expect(phaseFlags('deploy')).not.toContain('build-arg');
    expect(() => assertPhaseOptions('build', parse('--init'))).toThrow(
      /--init is not supported in the build phase; there paas supports: --label/,
    );
    expect(() => assertPhaseOptions('run', parse('--build-arg A=1'))).toThrow(/--build-arg is not supported in the run phase/);
    expect(() => parse('--build-arg =x')).toThrow(/invalid --build-arg/);
    expect(() => assertPhaseOptions('build', parse('--build-arg A=1 --memory 1g'))).not.toThrow();
  });
});
