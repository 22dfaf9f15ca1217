import { describe, expect, it } from 'vitest';
import { assertPluginName, defaultPluginName, isGitUrl } from '../../../../src/daemon/plugins/plugin-folder.js';

describe('plugin sources and names', () => {
  it('tells git URLs from server folders', () => {
    for (const url of ['https://github.com/me/paas-memo.git', 'ssh://git@host/memo.git', 'git://host/memo', 'git@github.com:me/memo.git']) {
      expect(isGitUrl(url), url).toBe(true);
    }
    for (const path of ['/srv/plugins/memo', '/tmp/x:y', 'memo']) expect(isGitUrl(path), path).toBe(false);
  });

  it('names a plugin after its folder or repository, without paas-/dokku- prefixes', () => {
    expect(defaultPluginName('/srv/plugins/memo/')).toBe('memo');
    expect(defaultPluginName('https://github.com/me/paas-plugin-memo.git')).toBe('memo');
    expect(defaultPluginName('https://github.com/dokku/dokku-redis.git')).toBe('redis');
    expect(defaultPluginName('/srv/My_Plugin')).toBe('my-plugin');
  });

  it('refuses names that are not plain folder names', () => {
    for (const name of ['../etc', 'a/b', 'Hello', '', '-x', '.hidden'])
      expect(() => assertPluginName(name), name).toThrow(/invalid plugin name/);
    expect(assertPluginName('hello-2')).toBe('hello-2');
  });
});
