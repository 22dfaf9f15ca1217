import { describe, expect, it } from 'vitest';
import { renderAuthorizedKeys, systemUsers } from '../../../src/git/authorized-keys.js';

const key = (name: string) => ({
  name,
  fingerprint: 'SHA256:abc+/def=',
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample comment with spaces',
  createdAt: '',
});

describe('authorized_keys for the system sshd', () => {
  it('gives each key a restricted line whose forced command names the key', () => {
    const text = renderAuthorizedKeys([key('alice@laptop')], ['/usr/bin/node', '/opt/paas/bin/paas'], '/run/paas/ssh.sock');
    expect(text.split('\n')[1]).toBe(
      'restrict,pty,command="/usr/bin/node /opt/paas/bin/paas ssh-forward --socket /run/paas/ssh.sock --key alice@laptop --fingerprint SHA256:abc+/def=" ' +
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice@laptop',
    );
    expect(
      renderAuthorizedKeys([], ['/usr/bin/node', '/opt/paas/bin/paas'], '/run/paas/ssh.sock')
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    ).toEqual([]);
  });

  it('refuses words a shell would read differently', () => {
    expect(() => renderAuthorizedKeys([key('a')], ['/usr/bin/node', '/home/me/my paas/bin/paas'], '/run/s')).toThrow(/plain characters/);
    expect(() => renderAuthorizedKeys([key('a')], ['/usr/bin/node', '/opt/"x'], '/run/s')).toThrow(/plain characters/);
  });

  it('finds the users in /etc/passwd, in the order asked, leaving out missing ones', () => {
    const passwd =
      'root:x:0:0:root:/root:/bin/bash\ndokku:x:998:997:paas git push and commands:/home/dokku:/bin/sh\npaas:x:999:997::/home/paas:/bin/sh\n';
    expect(systemUsers(['paas', 'dokku', 'ghost'], passwd)).toEqual([
      { name: 'paas', uid: 999, gid: 997, home: '/home/paas' },
      { name: 'dokku', uid: 998, gid: 997, home: '/home/dokku' },
    ]);
  });
});
