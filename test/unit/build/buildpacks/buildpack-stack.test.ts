import { describe, expect, it } from 'vitest';
import { mirrorFromSources, parseAptSources } from '../../../../src/build/buildpacks/debian-mirror.js';
import { LineSplitter } from '../../../../src/build/buildpacks/lines.js';
import { assertImageReference, cacheVolumeName } from '../../../../src/build/buildpacks/settings.js';
import { formatMemory, parseCpu, parseMemory } from '../../../../src/deploy/resource-limits.js';
import {
  RUN_PACKAGES,
  STACK_IMAGES,
  runDockerfile,
  sourcesList,
  stackDefinition,
  stackHashes,
} from '../../../../src/build/buildpacks/stack-definition.js';
import { UserError } from '../../../../src/core/errors.js';

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.local/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.local/debian-security
Suites: bookworm-security
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: trixie
`;

describe('the Debian mirror of the stack', () => {
  it('reads deb822 .sources and one-line sources.list entries', () => {
    expect(parseAptSources(DEB822)).toEqual([
      { uri: 'http://mirror.local/debian/', suites: ['bookworm', 'bookworm-updates'] },
      { uri: 'http://mirror.local/debian-security', suites: ['bookworm-security'] },
    ]);
    expect(
      parseAptSources(
        'deb [arch=amd64 signed-by=/k.gpg] http://ftp.de.debian.org/debian bookworm main\n# deb http://x/ y\ndeb cdrom:[x]/ bookworm main\n',
      ),
    ).toEqual([{ uri: 'http://ftp.de.debian.org/debian', suites: ['bookworm'] }]);
  });

  it('uses the host mirror for the suite, else deb.debian.org', () => {
    expect(mirrorFromSources([DEB822], 'bookworm')).toEqual({
      main: 'http://mirror.local/debian',
      security: 'http://mirror.local/debian-security',
    });
    expect(mirrorFromSources(['deb http://archive.ubuntu.com/ubuntu noble main\n'], 'bookworm')).toEqual({
      main: 'http://deb.debian.org/debian',
    });
  });
});

describe('the stack definition', () => {
  const mirror = { main: 'http://deb.debian.org/debian', security: 'http://deb.debian.org/debian-security' };

  it('installs the runtimes and psql without recommends or docs, and makes the app user', () => {
    const dockerfile = runDockerfile();
    expect(dockerfile).toMatch(/^FROM paas\/stack-base:bookworm\n/);
    for (const name of ['nodejs', 'npm', 'python3-venv', 'postgresql-client', 'nginx-light', 'libpq5'])
      expect(RUN_PACKAGES).toContain(name);
    expect(dockerfile).toContain('--no-install-recommends');
    expect(dockerfile).toContain('rm -rf /var/lib/apt/lists/*');
    expect(dockerfile).toContain('useradd --uid 1000 --gid 1000 --home-dir /app');
    expect(sourcesList(mirror)).toBe(
      'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n',
    );
  });

  it('names the images without an instance id', () => {
    expect(STACK_IMAGES).toEqual({ base: 'paas/stack-base:bookworm', run: 'paas/stack:bookworm', build: 'paas/stack-build:bookworm' });
  });

  it('hashes the definition so a change remakes the image and the ones on top of it', () => {
    const same = stackHashes(stackDefinition(mirror));
    expect(stackHashes(stackDefinition(mirror))).toEqual(same);
    const otherMirror = stackHashes(stackDefinition({ ...mirror, main: 'http://mirror.local/debian' }));
    expect(otherMirror.base).not.toBe(same.base);
    expect(otherMirror.run).not.toBe(same.run);
    expect(otherMirror.build).not.toBe(same.build);
    const definition = stackDefinition(mirror);
    definition.build.dockerfile += 'RUN true\n';
    const changedBuild = stackHashes(definition);
    expect(changedBuild.run).toBe(same.run);
    expect(changedBuild.build).not.toBe(same.build);
  });
});

describe('build settings', () => {
  it('reads memory sizes, a bare number being megabytes', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('1g')).toBe(1024 ** 3);
    expect(parseMemory('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('300')).toBe(300 * 1024 ** 2);
    expect(parseMemory('8192k')).toBe(8 * 1024 ** 2);
    expect(() => parseMemory('lots')).toThrow(/invalid memory "lots": use a size like 512m or 1g/);
    expect(() => parseMemory('1m')).toThrow(/at least 6m/);
    expect(formatMemory(parseMemory('512m'))).toBe('512m');
    expect(formatMemory(parseMemory('2g'))).toBe('2g');
  });

  it('reads CPU counts', () => {
    expect(parseCpu('1')).toBe(1);
    expect(parseCpu('0.5')).toBe(0.5);
    for (const bad of ['0', '-1', 'two', '1e3', '']) expect(() => parseCpu(bad), bad).toThrow(UserError);
    expect(() => parseCpu('1000', 2)).toThrow(/cpu 1000 is more than the 2 CPUs this server has/);
    expect(() => parseCpu('0.001', 2)).toThrow(/too small/);
    expect(parseCpu('2', 2)).toBe(2);
  });

  it('checks stack image names', () => {
    expect(assertImageReference('registry.example.com:5000/stacks/node20:1')).toBe('registry.example.com:5000/stacks/node20:1');
    expect(assertImageReference('paas/stack-build:bookworm')).toBe('paas/stack-build:bookworm');
    for (const bad of ['Upper/case', 'a b', '--rm', 'x:']) expect(() => assertImageReference(bad), bad).toThrow(UserError);
  });

  it('names the cache volume by instance and app id', () => {
    expect(cacheVolumeName('1a2b3c4d', 7)).toBe('paas-cache-1a2b3c4d-7');
  });
});

describe('LineSplitter', () => {
  it('passes on whole lines as they arrive, whatever the chunks', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of ['one\ntw', 'o\r', '\nthree\rfour', Buffer.from([0xc3]), Buffer.from([0xa9, 0x0a]), 'last']) splitter.write(chunk);
    expect(lines).toEqual(['one', 'two', 'three', 'fouré']);
    splitter.end();
    expect(lines).toEqual(['one', 'two', 'three', 'fouré', 'last']);
  });
});
