import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, httpGet, run, startDaemon, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;
let keys: string;
let sshCommand: (key: string) => string;

beforeAll(async () => {
  daemon = await startDaemon({ ssh: true });
  keys = mkdtempSync(join(tmpdir(), 'paas-keys-'));
  for (const name of ['me', 'stranger']) {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(keys, name)]);
  }
  sshCommand = (key) =>
    `ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -i ${join(keys, key)}`;
});
afterAll(async () => {
  await daemon?.destroy();
});

const ssh = (key: string, ...command: string[]) =>
  run('ssh', [...sshCommand(key).split(' ').slice(1), '-p', String(daemon.sshPort), 'paas@127.0.0.1', ...command]);

describe('git push over SSH', () => {
  it('adds a key from a file, as the README says', async () => {
    const added = await daemon.paasOk(['ssh-keys:add', 'me', join(keys, 'me.pub')]);
    expect(added).toMatch(/SHA256:/);
    expect(await daemon.paasOk(['ssh-keys:list'])).toContain('me');
  });

  it('deploys on push and prints the build as it runs, ending with the URL', async () => {
    const tree = await appWorkTree('hello');
    await tree.git('remote', 'add', 'paas', `ssh://paas@127.0.0.1:${daemon.sshPort}/hello`);
    const push = await run('git', ['push', 'paas', 'main'], {
      cwd: tree.dir,
      env: { GIT_SSH_COMMAND: sshCommand('me') },
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/remote: +Step 1\/\d+ : FROM/);
    const url = /remote: =====> Application deployed:\s+remote: +(http\S+)/.exec(push.stderr)?.[1];
    expect(url).toBeDefined();
    expect(await httpGet(url!)).toEqual({ status: 200, body: 'hello from paas\n' });
  });

  it('runs paas commands over SSH with their output and exit status', async () => {
    const set = await ssh('me', 'config:set', 'hello', "'B=two words'");
    expect(set.code, set.stderr).toBe(0);
    expect((await ssh('me', 'config:get', 'hello', 'B')).stdout).toBe('two words\n');
    const unknown = await ssh('me', 'apps:report', 'ghost');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('app "ghost" does not exist');
  });

  it('gives an interactive program the terminal with ssh -t', async () => {
    const result = await run(
      'ssh',
      [...sshCommand('me').split(' ').slice(1), '-tt', '-p', String(daemon.sshPort), 'paas@127.0.0.1', 'enter', 'hello', 'web'],
      { input: 'echo "tty-$((40 + 2)) $(tty)"\nexit 3\n' },
    );
    expect(result.stdout).toMatch(/tty-42 \/dev\/pts\/\d+/);
    expect(result.code).toBe(3);
  });

  it('gives a one-off container the terminal with ssh -t', async () => {
    const result = await run(
      'ssh',
      [...sshCommand('me').split(' ').slice(1), '-tt', '-p', String(daemon.sshPort), 'paas@127.0.0.1', 'run', 'hello', 'sh'],
      { input: 'echo "run-$((1 + 1)) $(tty) $DYNO"\nexit 4\n' },
    );
    expect(result.stdout).toMatch(/run-2 \/dev\/pts\/\d+ run\.1/);
    expect(result.code).toBe(4);
  });

  it('refuses an unknown key', async () => {
    const result = await ssh('stranger', 'apps:list');
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('Permission denied');
  });

  it('never creates an app on a fetch (git-upload-pack of an unknown app)', async () => {
    const tree = await appWorkTree('hello');
    const listed = await run('git', ['ls-remote', `ssh://paas@127.0.0.1:${daemon.sshPort}/phantom`], {
      cwd: tree.dir,
      env: { GIT_SSH_COMMAND: sshCommand('me') },
    });
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toContain('app "phantom" does not exist');
    expect((await daemon.paasOk(['apps:list'])).split('\n')).not.toContain('phantom');
  });

  it('refuses repo paths that escape PAAS_HOME', async () => {
    for (const path of ['../../etc', '/../../etc', 'hello/../../x']) {
      const result = await ssh('me', `git-receive-pack '${path}'`);
      expect(result.code, path).not.toBe(0);
    }
  });
});
