import { describe, expect, it } from 'vitest';
import { oneOffCommandLine, processCommand, processEnv } from '../../../src/deploy/process-env.js';
import type { ReleaseRow } from '../../../src/store/releases.js';

const release: ReleaseRow = {
  id: 7,
  appId: 1,
  version: 3,
  image: 'paas/blog:3',
  config: { DATABASE_URL: 'postgres://x', PORT: '1234' },
  formation: {},
  port: 5000,
  gitRev: 'abc123',
  buildId: null,
  appJson: null,
  releaseCommand: null,
  description: 'deploy abc123',
  actor: 'test',
  createdAt: '2026-12-01T00:00:00Z',
};

describe('processEnv', () => {
  it('gives the config, then PORT, DYNO and GIT_REV, which config cannot override', () => {
    expect(processEnv(release, 'worker', 2)).toEqual(['DATABASE_URL=postgres://x', 'PORT=5000', 'DYNO=worker.2', 'GIT_REV=abc123']);
  });

  it('leaves GIT_REV out for a release not built from git', () => {
    expect(processEnv({ ...release, gitRev: null }, 'web', 1)).not.toContainEqual(expect.stringMatching(/^GIT_REV=/));
  });

  it('puts the commit under the name git:set rev-env-var gives, or nowhere when it is turned off', () => {
    expect(processEnv(release, 'web', 1, 'DOKKU_GIT_REV')).toEqual([
      'DATABASE_URL=postgres://x',
      'PORT=5000',
      'DYNO=web.1',
      'DOKKU_GIT_REV=abc123',
    ]);
    expect(processEnv(release, 'web', 1, null)).toEqual(['DATABASE_URL=postgres://x', 'PORT=5000', 'DYNO=web.1']);
  });
});

describe('processCommand', () => {
  it('runs a Procfile command through sh, and the image CMD without one', () => {
    expect(processCommand('node server.js | tee log')).toEqual(['/bin/sh', '-c', 'node server.js | tee log']);
    expect(processCommand(null)).toBeUndefined();
  });
});

describe('oneOffCommandLine', () => {
  it('passes one argument as a shell line, and quotes several so each arrives as given', () => {
    expect(oneOffCommandLine(['ls | wc -l'])).toBe('ls | wc -l');
    expect(oneOffCommandLine(['echo', "it's", 'a b', 'plain-word'])).toBe(`echo 'it'\\''s' 'a b' plain-word`);
  });
});
