import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, appWorkTree, freePort, httpGet, run, startDaemon, type DaemonHandle } from './harness.js';

/**
 * `git push dokku@HOST:app` and `ssh dokku@HOST apps:list` through the system's own sshd
 * (openssh-server), as on Dokku: the system users made by scripts/system-ssh-users.sh, the
 * authorized_keys paas writes, and the forced command that hands the request to the daemon.
 */
const SSHD = '/usr/sbin/sshd';

let daemon: DaemonHandle;
let sshd: ChildProcess;
let port: number;
let dir: string;
let key: string;
let users: string[];

/** Port 22 when nothing listens there (the real thing), else a free port. */
async function sshdPort(): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(22, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  return free ? 22 : freePort();
}

const sshArgs = () => [
  '-p',
  String(port),
  '-i',
  key,
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
];
const ssh = (user: string, ...command: string[]) => run('ssh', [...sshArgs(), `${user}@127.0.0.1`, '--', ...command]);
const gitSsh = () => ({ GIT_SSH_COMMAND: `ssh ${sshArgs().join(' ')}` });

beforeAll(async () => {
  expect(existsSync(SSHD), 'openssh-server is not installed (scripts/install.sh installs it)').toBe(true);
  const created = await run('bash', [join(ROOT, 'scripts/system-ssh-users.sh')]);
  expect(created.code, created.stderr).toBe(0);
  users = created.stdout.trim().split(',').filter(Boolean);
  expect(users).toContain('paas');

  dir = mkdtempSync(join(tmpdir(), 'paas-sshd-'));
  chmodSync(dir, 0o711); // the system users reach the forward socket below it, as under /run
  daemon = await startDaemon({
    env: { PAAS_SYSTEM_SSH_USERS: users.join(','), PAAS_SSH_FORWARD_SOCKET: join(dir, 'forward', 'ssh.sock') },
  });

  port = await sshdPort();
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  key = join(dir, 'client_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@laptop', '-f', key]);
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${users.join(' ')}`,
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (
    !(await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true)); // taken: sshd listens
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    }))
  ) {
    if (sshd.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  sshd?.kill('SIGTERM');
  await daemon?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the system sshd on port 22, as Dokku uses it', () => {
  it("keeps the users' authorized_keys in step with ssh-keys: forced command, restricted", async () => {
    await daemon.paasOk(['ssh-keys:add', 'me', '-'], { input: readFileSync(`${key}.pub`) });
    for (const user of users) {
      const file = join('/home', user, '.ssh', 'authorized_keys');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.includes('ssh-ed25519'))!;
      expect(line).toMatch(/^restrict,pty,command=".* ssh-forward --socket \S+ --key me --fingerprint SHA256:\S+" ssh-ed25519 \S+ me$/);
      // The forwarder runs from a copy beside the socket: the checkout may be unreadable to the user.
      expect(line).toContain(`command="${process.execPath} ${join(dir, 'forward', 'forwarder', 'main.js')} ssh-forward `);
      expect(line).not.toContain(ROOT);
    }
    expect(statSync(join(dir, 'forward', 'ssh.sock')).mode & 0o777).toBe(0o660);
  });

  it('runs commands: ssh dokku@HOST apps:list, --quiet, exit codes', async () => {
    await daemon.paasOk(['apps:create', 'sshapp']);
    const user = users.includes('dokku') ? 'dokku' : 'paas';
    const list = await ssh(user, 'apps:list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe('=====> My Apps\nsshapp\n');
    expect((await ssh(user, '--quiet', 'apps:list')).stdout).toBe('sshapp\n');
    const missing = await ssh(user, 'config:get', 'sshapp', 'NOPE');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    const unknown = await ssh(user, 'apps:report', 'ghost');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/app "ghost" does not exist/);
  });

  it('deploys git push dokku@127.0.0.1:app main with remote: lines; a removed key can no longer push', async () => {
    const user = users.includes('dokku') ? 'dokku' : 'paas';
    const tree = await appWorkTree('hello');
    const push = await run('git', ['push', `${user}@127.0.0.1:sshapp`, 'main'], { cwd: tree.dir, env: gitSsh() });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/remote: -----> Building sshapp from Dockerfile/);
    expect(push.stderr).toMatch(/remote: =====> Application deployed:/);
    const url = (await daemon.paasOk(['urls', 'sshapp'])).trim().split('\n')[0]!;
    expect(await httpGet(url)).toEqual({ status: 200, body: 'hello from paas\n' });
    expect(await daemon.paasOk(['releases', 'sshapp'])).toMatch(/ssh key me/);

    await daemon.paasOk(['ssh-keys:remove', 'me']);
    await tree.git('commit', '--allow-empty', '-m', 'again');
    const refused = await run('git', ['push', `${user}@127.0.0.1:sshapp`, 'main'], { cwd: tree.dir, env: gitSsh() });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Permission denied \(publickey\)/);
    expect((await ssh(user, 'apps:list')).code).not.toBe(0);
  });
});
