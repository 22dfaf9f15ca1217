import { describe, expect, it } from 'vitest';
import { buildpackDirName, parseBuildpackUrl } from '../../../../src/build/buildpacks/buildpack-url.js';
import { parseBuildpacksFile } from '../../../../src/build/buildpacks/buildpacks-file.js';
import { selectBuildpacks } from '../../../../src/build/buildpacks/selection.js';
import { UserError } from '../../../../src/core/errors.js';
import { assertBuildpackAllowed, type BuildpackPolicy } from '../../../../src/build/buildpacks/buildpack-policy.js';
import { isPrivateAddress, isPrivateHost } from '../../../../src/core/private-addresses.js';

const SERVER: BuildpackPolicy = { trust: 'server', allowPrivateUrls: false };
const REMOTE: BuildpackPolicy = { trust: 'remote', allowPrivateUrls: false };
const REMOTE_CODE = { codeTrust: 'remote', allowPrivateUrls: false } as const;

describe('parseBuildpackUrl', () => {
  it("maps Heroku's short names to the built-in serving the same language", () => {
    expect(parseBuildpackUrl('heroku/nodejs')).toEqual({ kind: 'builtin', url: 'paas/nodejs', id: 'paas/nodejs', alias: 'heroku/nodejs' });
    expect(parseBuildpackUrl('heroku/python')).toMatchObject({ kind: 'builtin', id: 'paas/python' });
    expect(parseBuildpackUrl('heroku-community/static')).toMatchObject({ kind: 'builtin', id: 'paas/static' });
    expect(() => parseBuildpackUrl('heroku/ruby')).toThrow(
      /no built-in buildpack for "heroku\/ruby"; give its git URL instead, e.g. https:\/\/github.com\/heroku\/heroku-buildpack-ruby.git/,
    );
  });

  it('reads built-in names', () => {
    expect(parseBuildpackUrl('paas/nodejs')).toEqual({ kind: 'builtin', url: 'paas/nodejs', id: 'paas/nodejs' });
    expect(parseBuildpackUrl('  paas/static ')).toMatchObject({ kind: 'builtin', id: 'paas/static' });
  });

  it('refuses an unknown built-in, naming the real ones', () => {
    expect(() => parseBuildpackUrl('paas/ruby')).toThrow(
      /unknown built-in buildpack "paas\/ruby"; the built-in ones are: paas\/nodejs, paas\/python, paas\/static, paas\/procfile/,
    );
  });

  it('reads git URLs with and without a #ref', () => {
    expect(parseBuildpackUrl('https://github.com/heroku/heroku-buildpack-nodejs.git')).toEqual({
      kind: 'git',
      url: 'https://github.com/heroku/heroku-buildpack-nodejs.git',
      remote: 'https://github.com/heroku/heroku-buildpack-nodejs.git',
      transport: 'https',
      host: 'github.com',
    });
    expect(parseBuildpackUrl('https://example.com/bp.git#v1.2.3')).toMatchObject({
      kind: 'git',
      remote: 'https://example.com/bp.git',
      ref: 'v1.2.3',
    });
    expect(parseBuildpackUrl('git@github.com:me/bp.git#feature/x')).toMatchObject({
      kind: 'git',
      remote: 'git@github.com:me/bp.git',
      ref: 'feature/x',
    });
    expect(parseBuildpackUrl('ssh://git@host:2222/srv/bp.git')).toMatchObject({ kind: 'git', remote: 'ssh://git@host:2222/srv/bp.git' });
    expect(parseBuildpackUrl('git://host/bp#3f2a1c0')).toMatchObject({ kind: 'git', ref: '3f2a1c0' });
  });

  it('reads local paths and file:// URLs as local buildpacks', () => {
    expect(parseBuildpackUrl('/srv/buildpacks/mine')).toEqual({ kind: 'local', url: '/srv/buildpacks/mine', path: '/srv/buildpacks/mine' });
    expect(parseBuildpackUrl('file:///srv/bp/../bp2/#main')).toEqual({
      kind: 'local',
      url: 'file:///srv/bp/../bp2/#main',
      path: '/srv/bp2',
      ref: 'main',
    });
    expect(parseBuildpackUrl('file:///tmp/my%20bp')).toMatchObject({ path: '/tmp/my bp' });
  });

  it('refuses what it cannot fetch, saying which forms work', () => {
    for (const bad of [
      '',
      'nodejs',
      'heroku/ruby',
      './relative',
      'file://relative/path',
      'https://example.com/bp.tgz',
      'ext::sh -c id',
      '--upload-pack=touch /tmp/x',
      'https://example.com/a b.git',
    ]) {
      expect(() => parseBuildpackUrl(bad), bad).toThrow(UserError);
    }
    expect(() => parseBuildpackUrl('nodejs')).toThrow(
      /use a git URL \(https:\/\/host\/repo\.git#ref\), an absolute path on the server, or one of paas\/nodejs/,
    );
    expect(() => parseBuildpackUrl('https://example.com/bp.git#-x')).toThrow(/is not a branch, tag or commit/);
    expect(() => parseBuildpackUrl('https://example.com/bp.git#a..b')).toThrow(/\.\./);
  });

  it('names the folder each buildpack gets in the build container', () => {
    expect(buildpackDirName(parseBuildpackUrl('paas/nodejs'), 0)).toBe('01_nodejs');
    expect(buildpackDirName(parseBuildpackUrl('https://github.com/heroku/heroku-buildpack-python.git#v1'), 1)).toBe('02_python');
    expect(buildpackDirName(parseBuildpackUrl('git@host:me/apt.git'), 9)).toBe('10_apt');
    expect(buildpackDirName(parseBuildpackUrl('/srv/buildpacks/my+bp/'), 2)).toBe('03_my-bp');
  });
});

describe('parseBuildpacksFile', () => {
  it('reads one URL per line, skipping blank and comment lines', () => {
    const sources = parseBuildpacksFile('# first the apt packages\nhttps://example.com/apt.git#v2\n\n  paas/nodejs  \r\n/srv/bp\n', SERVER);
    expect(sources.map((s) => s.url)).toEqual(['https://example.com/apt.git#v2', 'paas/nodejs', '/srv/bp']);
  });

  it('names the line of a bad URL', () => {
    expect(() => parseBuildpacksFile('paas/nodejs\nnot a url\n', SERVER)).toThrow(/^\.buildpacks line 2: invalid buildpack "not a url"/);
  });

  it('is empty for a file with only comments', () => {
    expect(parseBuildpacksFile('# nothing\n\n', REMOTE)).toEqual([]);
  });
});

describe('selectBuildpacks', () => {
  const file = 'paas/python\n';
  it('takes BUILDPACK_URL over everything', () => {
    const chosen = selectBuildpacks(
      { buildpackUrl: 'https://example.com/bp.git', configured: ['paas/static'], buildpacksFile: file },
      REMOTE_CODE,
    );
    expect(chosen).toMatchObject({ from: 'BUILDPACK_URL', mode: 'run', sources: [{ remote: 'https://example.com/bp.git' }] });
  });

  it('takes the buildpacks:add list over the .buildpacks file', () => {
    const chosen = selectBuildpacks({ configured: ['paas/static', 'paas/procfile'], buildpacksFile: file }, REMOTE_CODE);
    expect(chosen.from).toBe('buildpacks:add');
    expect(chosen.sources.map((s) => s.url)).toEqual(['paas/static', 'paas/procfile']);
  });

  it('takes the .buildpacks file over detection', () => {
    expect(selectBuildpacks({ configured: [], buildpacksFile: file }, REMOTE_CODE)).toMatchObject({
      from: '.buildpacks',
      mode: 'run',
      sources: [{ id: 'paas/python' }],
    });
  });

  it('detects over the built-in set in order when nothing was chosen', () => {
    for (const inputs of [{ configured: [] }, { configured: [], buildpacksFile: '# empty\n' }, { configured: [], buildpackUrl: '  ' }]) {
      const chosen = selectBuildpacks(inputs, REMOTE_CODE);
      expect(chosen.from).toBe('detection');
      expect(chosen.mode).toBe('detect');
      expect(chosen.sources.map((s) => s.url)).toEqual(['paas/nodejs', 'paas/python', 'paas/static', 'paas/procfile']);
    }
  });

  it('says where a bad BUILDPACK_URL comes from', () => {
    expect(() => selectBuildpacks({ buildpackUrl: 'nope', configured: [] }, REMOTE_CODE)).toThrow(
      /^config var BUILDPACK_URL: invalid buildpack "nope"/,
    );
  });
});

describe('who may use which buildpack', () => {
  const allowed = (url: string, policy: BuildpackPolicy) => assertBuildpackAllowed(parseBuildpackUrl(url), policy);

  it('lets a remote caller use built-ins and git over https or ssh only', () => {
    for (const url of ['paas/nodejs', 'https://github.com/me/bp.git#v1', 'ssh://git@example.com/bp.git', 'git@github.com:me/bp.git']) {
      expect(() => allowed(url, REMOTE), url).not.toThrow();
    }
    for (const url of ['http://example.com/bp.git', 'git://example.com/bp.git']) {
      expect(() => allowed(url, REMOTE), url).toThrow(/from a remote client only git URLs over https or ssh are accepted/);
      expect(() => allowed(url, SERVER), url).not.toThrow();
    }
  });

  it('keeps server folders and file:// URLs for the paas command on the server', () => {
    for (const url of ['/root/secret-buildpack', 'file:///etc', 'file:///srv/bp#main']) {
      expect(() => allowed(url, REMOTE), url).toThrow(/is a folder on the server, which only the paas command on the server may use/);
      expect(() => allowed(url, SERVER), url).not.toThrow();
    }
  });

  it('refuses private and loopback hosts unless allowed, for everyone', () => {
    for (const url of [
      'https://127.0.0.1/bp.git',
      'https://localhost/bp.git',
      'https://10.1.2.3:8443/bp.git',
      'ssh://git@[::1]/bp.git',
      'git@192.168.1.5:bp.git',
      'https://api.localhost/bp.git',
    ]) {
      expect(() => allowed(url, REMOTE), url).toThrow(
        /a private or loopback address; to allow such URLs, run on the server: paas buildpacks:set-property --global allow-private-urls true/,
      );
      expect(() => allowed(url, SERVER), url).toThrow(UserError);
      expect(() => allowed(url, { trust: 'remote', allowPrivateUrls: true }), url).not.toThrow();
    }
  });

  it('refuses git transport tricks before they reach git', () => {
    for (const url of [
      'ext::sh -c id',
      'ext::sh',
      'fd::3',
      '-oProxyCommand=id',
      'ssh://-oProxyCommand=id/x',
      'ssh://-x@host/x',
      'git@-oProxyCommand:x',
      'https://host:99999/x',
      '--upload-pack=id',
    ]) {
      expect(() => parseBuildpackUrl(url), url).toThrow(UserError);
    }
  });

  it('refuses a .buildpacks line naming a server folder in remote code, with its line', () => {
    expect(() => parseBuildpacksFile('paas/nodejs\nfile:///root\n', REMOTE)).toThrow(
      /^\.buildpacks line 2: buildpack "file:\/\/\/root" is a folder on the server/,
    );
    expect(() => selectBuildpacks({ configured: [], buildpacksFile: '/srv/bp\n' }, REMOTE_CODE)).toThrow(/\.buildpacks line 1/);
    expect(
      selectBuildpacks({ configured: [], buildpacksFile: '/srv/bp\n' }, { codeTrust: 'server', allowPrivateUrls: false }).sources,
    ).toMatchObject([{ kind: 'local', path: '/srv/bp' }]);
  });

  it('classifies addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      'not-an-ip',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['140.82.112.3', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(ip), ip).toBe(false);
    }
    expect(isPrivateHost('github.com')).toBe(false);
    expect(isPrivateHost('LOCALHOST.')).toBe(true);
  });
});
