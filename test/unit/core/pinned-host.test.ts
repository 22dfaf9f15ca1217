import { describe, expect, it } from 'vitest';
import { parseBuildpackUrl } from '../../../src/build/buildpacks/buildpack-url.js';
import { answersFor, choosePin, gitHttpPin, gitSshPin, pinHost, pinOrThrow, pinnedLookup } from '../../../src/core/pinned-host.js';
import { dnsServers } from '../../../src/core/resolver.js';
import { parseArchiveSource, parseGitSource, sourcePort } from '../../../src/git/source-guard.js';

/** pinnedLookup's answer, as a promise: [error code, addresses]. */
function ask(lookup: ReturnType<typeof pinnedLookup>, name: string, options: { all?: boolean; family?: number }) {
  return new Promise<[string | undefined, unknown]>((resolve) => {
    (lookup as unknown as (n: string, o: object, cb: (...args: unknown[]) => void) => void)(name, options, (error, address, family) =>
      resolve([(error as NodeJS.ErrnoException | null)?.code, options.all ? address : [address, family]]),
    );
  });
}

describe('choosing the pin', () => {
  it('refuses a name when ANY answer is private, not only the first', () => {
    expect(choosePin('rebind.example', ['93.184.216.34', '127.0.0.1'], false)).toEqual({ refused: 'private', address: '127.0.0.1' });
    expect(choosePin('rebind.example', ['::ffff:10.0.0.1'], false)).toEqual({ refused: 'private', address: '::ffff:10.0.0.1' });
    expect(choosePin('ok.example', ['93.184.216.34', '2606:2800:220:1::1'], false)).toEqual({
      pin: { host: 'ok.example', addresses: ['93.184.216.34', '2606:2800:220:1::1'] },
    });
  });

  it('lets root (allowPrivate) pin private answers, and refuses no answer at all', () => {
    expect(choosePin('minio.lan', ['10.0.0.5'], true)).toEqual({ pin: { host: 'minio.lan', addresses: ['10.0.0.5'] } });
    expect(choosePin('none.example', [], true)).toEqual({ refused: 'unresolvable', code: 'ENODATA' });
  });

  it('refuses localhost and private literals without asking DNS, and pins a literal to itself', async () => {
    expect(await pinHost('localhost', false)).toEqual({ refused: 'private' });
    expect(await pinHost('[::1]', false)).toEqual({ refused: 'private', address: '::1' });
    expect(await pinHost('93.184.216.34', false)).toEqual({ pin: { host: '93.184.216.34', addresses: ['93.184.216.34'] } });
    expect(await pinHost('127.0.0.1', true)).toEqual({ pin: { host: '127.0.0.1', addresses: ['127.0.0.1'] } });
  });

  it('says in one line why there is no pin', () => {
    expect(() => pinOrThrow({ refused: 'private', address: '127.0.0.1' }, 'x.example', 'archive', 'https://x.example/a')).toThrow(
      'archive "https://x.example/a" points at x.example (127.0.0.1), a private or loopback address, which remote clients may not reach',
    );
    expect(() => pinOrThrow({ refused: 'unresolvable', code: 'ENOTFOUND' }, 'x.example', 'archive', 'https://x.example/a')).toThrow(
      'cannot resolve x.example for archive "https://x.example/a" (ENOTFOUND)',
    );
  });
});

describe('handing the pin to clients', () => {
  const pin = { host: 'Files.Example', addresses: ['93.184.216.34', '2606:2800:220:1::1'] };

  it("Node's lookup answers the checked addresses for the pinned name only, in both forms and by family", async () => {
    const lookup = pinnedLookup(pin);
    expect(await ask(lookup, 'files.example.', {})).toEqual([undefined, ['93.184.216.34', 4]]);
    expect(await ask(lookup, 'FILES.example', { family: 6 })).toEqual([undefined, ['2606:2800:220:1::1', 6]]);
    expect(await ask(lookup, 'files.example', { all: true })).toEqual([
      undefined,
      [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
    ]);
    expect((await ask(lookup, 'internal.example', {}))[0]).toBe('ENOTFOUND');
    expect(answersFor({ host: 'a', addresses: ['93.184.216.34'] }, 6)).toEqual([]);
  });

  it('git over http(s): curl gets the addresses for HOST:PORT and, for remote callers, follows no redirect', () => {
    expect(gitHttpPin(pin, 8443)).toEqual([
      '-c',
      'http.curloptResolve=Files.Example:8443:93.184.216.34,[2606:2800:220:1::1]',
      '-c',
      'http.followRedirects=false',
    ]);
    expect(gitHttpPin({ host: 'git.example.', addresses: ['93.184.216.34'] }, 443, true)).toEqual([
      '-c',
      'http.curloptResolve=git.example.:443:93.184.216.34',
      '-c',
      'http.curloptResolve=git.example:443:93.184.216.34',
    ]);
  });

  it('git over ssh: HostName is the checked address, the host key is checked under the name', () => {
    expect(gitSshPin({ host: 'git.example', addresses: ['93.184.216.34'] })).toBe(
      'ssh -o BatchMode=yes -o HostName=93.184.216.34 -o HostKeyAlias=git.example',
    );
    expect(gitSshPin({ host: '93.184.216.34', addresses: ['93.184.216.34'] })).toBe('ssh -o BatchMode=yes');
    expect(() => gitSshPin({ host: 'a;b', addresses: ['93.184.216.34'] })).toThrow(/refusing to pin ssh/);
  });

  it('PAAS_DNS_SERVERS takes addresses with an optional port, nothing else', () => {
    expect(dnsServers(undefined)).toEqual([]);
    expect(dnsServers('127.0.0.1:5353, ::1,[::1]:53')).toEqual(['127.0.0.1:5353', '::1', '[::1]:53']);
    expect(() => dnsServers('dns.example')).toThrow(/is not an IP address/);
  });
});

describe('the host checked is the host the client reads from the URL', () => {
  it('refuses userinfo that curl would end early (?, #, backslash), which would move the host', () => {
    for (const url of [
      'https://inside:443?@public.example/repo.git',
      'https://inside#@public.example/repo.git',
      'https://in\\side@public.example/r.git',
    ])
      expect(() => parseGitSource(url), url).toThrow(/invalid git repository/);
    expect(() => parseBuildpackUrl('https://u:443?@public.example/bp.git')).toThrow(/not a host name/);
    // A fragment after the host is not userinfo: the host is `inside`, as every URL parser reads it.
    expect(parseArchiveSource('https://inside#@public.example/a.tgz').host).toBe('inside');
    expect(parseGitSource('https://me:token@git.example:8443/r.git')).toMatchObject({ host: 'git.example', port: 8443 });
  });

  it('knows the port each transport is reached on', () => {
    expect(sourcePort(parseGitSource('https://git.example/r.git'))).toBe(443);
    expect(sourcePort(parseGitSource('http://git.example:8080/r.git'))).toBe(8080);
    expect(sourcePort(parseGitSource('git@git.example:r.git'))).toBe(22);
  });
});
