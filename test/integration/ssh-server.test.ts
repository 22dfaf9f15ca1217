import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, NextAuthHandler, ParsedKey } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/command.js';
import { UserError } from '../../src/core/errors.js';
import { executeCommand } from '../../src/core/execute.js';
import { CommandRegistry } from '../../src/core/registry.js';
import type { PartApi } from '../../src/core/part.js';
import type { GitAccess, GitVerb } from '../../src/git/git-access.js';
import { sshKeysPart } from '../../src/git/ssh-keys-commands.js';
import { startSshServer } from '../../src/ssh/server.js';
import { Store } from '../../src/store/store.js';
import { freePort, type RunOptions, type RunResult } from './harness.js';

const { BaseAgent, Client, utils } = ssh2;

/**
 * harness.run, plus a listener for EPIPE on the child's stdin: a program that exits before its
 * (even empty) input is written, like a quick `git rev-parse` or an ssh refused early, must not
 * crash the test run.
 */
function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

let dir: string;
let store: Store;
let registry: CommandRegistry;
let server: { port: number; close(): Promise<void> };
const hostKeyPath = () => join(dir, 'ssh', 'host_key');
const key = (name: string) => join(dir, 'keys', name);
/** Every GitAccess.open call, to check who the server says is pushing. */
const gitCalls: Array<{ verb: GitVerb; app: string; actor: Actor }> = [];
let abortSeen: (() => void) | undefined;

const ANY_HOST_KEY = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];
/** ssh keeps the first value it reads for an option, so host key options are chosen here, not appended. */
const sshOptions = (identity: string, port = server.port, hostKeys = ANY_HOST_KEY) => [
  '-F',
  '/dev/null',
  ...hostKeys,
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'BatchMode=yes',
  '-o',
  'LogLevel=ERROR',
  '-i',
  identity,
  '-p',
  String(port),
];
const ssh = (identity: string, command: readonly string[], options?: RunOptions & { extra?: string[]; hostKeys?: string[] }) =>
  run('ssh', [...sshOptions(identity, server.port, options?.hostKeys), ...(options?.extra ?? []), 'paas@127.0.0.1', ...command], {
    timeoutMs: 30_000,
    ...options,
  });

const makeKey = async (name: string) => {
  const file = key(name);
  const made = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@test`, '-f', file]);
  expect(made.code, made.stderr).toBe(0);
  return file;
};

/** A real bare repo per app, made on the first push, with a pre-receive hook that talks. */
const gitAccess: GitAccess = {
  async open(verb, app, actor) {
    gitCalls.push({ verb, app, actor });
    const repoPath = join(dir, 'repos', `${app}.git`);
    if (!existsSync(repoPath)) {
      if (verb !== 'git-receive-pack') throw new UserError(`app "${app}" does not exist; push to it first`);
      const made = await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', repoPath]);
      if (made.code !== 0) throw new Error(made.stderr);
      const hook = join(repoPath, 'hooks', 'pre-receive');
      writeFileSync(hook, '#!/bin/sh\necho "hook: hello from pre-receive, pushed by $PAAS_PUSHER"\n');
      chmodSync(hook, 0o755);
    }
    return { repoPath, env: { PAAS_PUSHER: actor.name } };
  },
  async peek() {
    throw new Error('the SSH server never peeks: a receive-pack over SSH is the push itself');
  },
};

/** What the SSH server logged (JSON lines). */
const logLines: string[] = [];

function testRegistry(): CommandRegistry {
  const commands = new CommandRegistry();
  commands.register({
    name: 'set-secret',
    summary: 'Take a secret flag and secret KEY=VALUE arguments, print nothing',
    usage: '[--password P] KEY=VALUE...',
    examples: ['paas set-secret --password p A=1'],
    flags: { password: { type: 'string', description: 'a password' } },
    secrets: { flags: ['password'], args: 'assignments' },
    arity: [0, Infinity],
    handler() {},
  });
  commands.register({
    name: 'echo-args',
    summary: 'Print the arguments and the actor as JSON',
    usage: 'ARGS...',
    examples: ['paas echo-args a b'],
    arity: [0, Infinity],
    passthroughAfter: 0,
    handler({ args, actor, stdout }) {
      stdout.write(`${JSON.stringify({ args, actor })}\n`);
    },
  });
  commands.register({
    name: 'fail',
    summary: 'Print a line on stderr and exit 3',
    usage: '',
    examples: ['paas fail'],
    arity: [0, 0],
    handler({ stdout, stderr }) {
      stdout.write('about to fail\n');
      stderr.write('fail: something broke\n');
      return 3;
    },
  });
  commands.register({
    name: 'spew',
    summary: 'Write MIB mebibytes of "x" without waiting for the reader',
    usage: 'MIB',
    examples: ['paas spew 8'],
    arity: [1, 1],
    handler({ args: [mib], stdout }) {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      for (let i = 0; i < Number(mib) * 16; i++) stdout.write(chunk);
    },
  });
  commands.register({
    name: 'wait-for-abort',
    summary: 'Wait until the caller goes away',
    usage: '',
    examples: ['paas wait-for-abort'],
    arity: [0, 0],
    async handler({ stdout, signal }) {
      stdout.write('waiting\n');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      abortSeen?.();
    },
  });
  sshKeysPart.register({ commands, store, settings: { sshPort: 2222, systemSshUsers: [] } } as unknown as PartApi);
  return commands;
}

/** Logs in with ssh2's own client, recording its protocol debug lines; resolves 'ready' or the error. */
function ssh2Login(attempts: AnyAuthMethod[], debug: string[] = []) {
  return new Promise<'ready' | Error>((resolve) => {
    const client = new Client();
    client
      .on('ready', () => {
        client.end();
        resolve('ready');
      })
      .on('error', (error) => resolve(error))
      .connect({
        host: '127.0.0.1',
        port: server.port,
        username: 'paas',
        readyTimeout: 15_000,
        debug: (line) => debug.push(line),
        // Ignores what the server says it allows, so every method really reaches the server;
        // `false` (no more methods) is what ssh2 expects at the end, though its types omit it.
        authHandler: (_left: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler) =>
          next(attempts.shift() ?? (false as unknown as AnyAuthMethod)),
      });
  });
}

/** An agent that shows one public key and signs with whatever private key it is given. */
class SigningAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly shown: ParsedKey,
    private readonly signer: ParsedKey,
  ) {
    super();
  }
  getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    cb(undefined, [this.shown]);
  }
  sign(_key: ParsedKey, data: Buffer, options: unknown, cb?: (err: Error | undefined, sig?: Buffer) => void): void {
    const callback = (typeof options === 'function' ? options : cb) as (err: Error | undefined, sig?: Buffer) => void;
    const hash = typeof options === 'object' && options ? (options as { hash?: string }).hash : undefined;
    callback(undefined, this.signer.sign(data, hash));
  }
}

const parsed = (file: string): ParsedKey => {
  const value = utils.parseKey(readFileSync(file));
  if (value instanceof Error) throw value;
  return value;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paas-ssh-'));
  mkdirSync(join(dir, 'keys'));
  store = Store.open(join(dir, 'paas.db'));
  registry = testRegistry();
  for (const name of ['alice', 'mallory', 'bob']) await makeKey(name);
  // alice is added the way an operator does on the server: the local CLI, FILE read by the daemon.
  const added = await runCommand(['ssh-keys:add', 'alice', `${key('alice')}.pub`]);
  expect(added.code, added.stderr).toBe(0);
  server = await startSshServer({
    port: await freePort(),
    host: '127.0.0.1',
    hostKeyPath: hostKeyPath(),
    store,
    // The log is kept, to check what the SSH transport writes of a command line.
    logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
    registry,
    gitAccess,
  });
});

afterAll(async () => {
  await server?.close();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command as the local CLI would reach it (socket transport), in-process. */
async function runCommand(argv: string[]): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const stdin = new PassThrough();
  stdin.end();
  const code = await executeCommand(
    registry,
    argv,
    { stdout, stderr, stdin, actor: { name: 'root', transport: 'socket' }, signal: new AbortController().signal },
    {
      logger: {
        info: () => undefined,
        error: (fields) => {
          throw (fields as { err: unknown }).err;
        },
      },
    },
  );
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('ssh commands with a registered key', () => {
  it("passes stdout, the exit status and quoted arguments through, as the key's actor", async () => {
    const result = await ssh(key('alice'), ['echo-args', "'two words'", '"a \\"b\\" c"', 'x\\ y', "''", '$HOME', '--flag']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      args: ['two words', 'a "b" c', 'x y', '', '$HOME', '--flag'],
      actor: { name: 'ssh key alice', transport: 'ssh' },
    });
  });

  it("keeps a value quoted inside the remote command, as in config:set blog 'B=two words'", async () => {
    const result = await ssh(key('alice'), ["echo-args blog 'B=two words'"]);
    expect(JSON.parse(result.stdout).args).toEqual(['blog', 'B=two words']);
  });

  it('logs the command line without the secrets the command declares', async () => {
    const result = await ssh(key('alice'), ['set-secret', '--password', 'hunter2hunter2', 'TOKEN=s3cr3t-value']);
    expect(result.code, result.stderr).toBe(0);
    const logged = logLines.filter((line) => line.includes('set-secret'));
    expect(logged.join('')).toContain('"argv":["set-secret","--password","***","TOKEN=***"]');
    expect(logLines.join('')).not.toMatch(/hunter2hunter2|s3cr3t-value/);
  });

  it('passes stderr and a non-zero exit status through', async () => {
    const result = await ssh(key('alice'), ['fail']);
    expect(result).toEqual({ code: 3, stdout: 'about to fail\n', stderr: 'fail: something broke\n' });
  });

  it('answers an unknown command and an unterminated quote with one line and exit 1', async () => {
    const unknown = await ssh(key('alice'), ['apps:lst']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: unknown command "apps:lst"; .*paas help\n$/);
    const quote = await ssh(key('alice'), ["echo-args 'open"]);
    expect(quote.code).toBe(1);
    expect(quote.stderr).toMatch(/^error: unterminated ' quote in the command; .*\n$/);
  });

  it('delivers a large output whole before the exit status', async () => {
    const result = await ssh(key('alice'), ['spew', '8']);
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(8 * 1024 * 1024);
  });

  it('aborts the command when the client goes away', async () => {
    const seen = new Promise<void>((resolve) => (abortSeen = resolve));
    const result = await ssh(key('alice'), ['wait-for-abort'], { timeoutMs: 2_000 });
    expect(result.stdout).toBe('waiting\n');
    await seen;
  }, 20_000);

  it('aborts the command on ^C from a terminal (ssh -t sends it as a byte)', async () => {
    const seen = new Promise<void>((resolve) => (abortSeen = resolve));
    const result = await ssh(key('alice'), ['wait-for-abort'], { extra: ['-tt'], input: '\x03' });
    await seen;
    expect(result.stdout).toContain('waiting\r\n');
    // 130, as a shell reports ^C; a client that was merely cut off would show no exit status.
    expect(result.code).toBe(130);
  }, 20_000);

  it('works with ssh -t: CRLF line ends for the raw terminal, same exit status', async () => {
    const ok = await ssh(key('alice'), ['echo-args', 'a'], { extra: ['-tt'] });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('"args":["a"]');
    expect(ok.stdout.endsWith('}\r\n')).toBe(true);
    const failed = await ssh(key('alice'), ['fail'], { extra: ['-tt'] });
    expect(failed.code).toBe(3);
    // With a PTY the client merges stderr into the terminal stream.
    expect(failed.stdout + failed.stderr).toContain('fail: something broke\r\n');
  });

  it('gives no shell, with a hint, with or without a PTY', async () => {
    for (const extra of [['-T'], ['-tt']]) {
      const result = await ssh(key('alice'), [], { extra });
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toContain('paas gives no shell; run a command, e.g. ssh -p');
    }
  });
});

describe('ssh authentication', () => {
  it('refuses a key that is not registered', async () => {
    const result = await ssh(key('mallory'), ['echo-args', 'hi']);
    expect(result.code).toBe(255);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('refuses passwords and keyboard-interactive, offering only publickey', async () => {
    const debug: string[] = [];
    const outcome = await ssh2Login(
      [
        { type: 'password', username: 'paas', password: 'hunter2' },
        {
          type: 'keyboard-interactive',
          username: 'paas',
          prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => 'hunter2')),
        },
      ],
      debug,
    );
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe('All configured authentication methods failed');
    expect(debug).toContain('Outbound: Sending USERAUTH_REQUEST (password)');
    expect(debug).toContain('Outbound: Sending USERAUTH_REQUEST (keyboard-interactive)');
    // The OpenSSH client too: with publickey off it has nothing the server accepts.
    const cli = await ssh(key('alice'), ['echo-args'], {
      extra: ['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive'],
    });
    expect(cli.code).toBe(255);
    expect(cli.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('refuses a registered public key signed by a different private key', async () => {
    const alice = parsed(key('alice'));
    const mallory = parsed(key('mallory'));
    const debug: string[] = [];
    const forged = await ssh2Login([{ type: 'agent', username: 'paas', agent: new SigningAgent(alice, mallory) }], debug);
    expect(forged).toBeInstanceOf(Error);
    expect((forged as Error).message).toBe('All configured authentication methods failed');
    // The server did say the key is known (PK_OK), and then got a signed request it refused.
    expect(debug).toContain('Outbound: Sending USERAUTH_REQUEST (publickey)');

    // The same client code with the right private key gets in: the signature made the difference.
    const genuine = await ssh2Login([{ type: 'agent', username: 'paas', agent: new SigningAgent(alice, alice) }]);
    expect(genuine).toBe('ready');
  });

  it('ignores the user name: everyone is paas@, identified by key', async () => {
    const result = await run('ssh', [...sshOptions(key('alice')), 'root@127.0.0.1', 'echo-args'], { timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).actor.name).toBe('ssh key alice');
  });
});

describe('ssh-keys commands', () => {
  it('adds a key from stdin over ssh, which then logs in; refuses duplicates; lists; removes', async () => {
    const bobPub = readFileSync(`${key('bob')}.pub`, 'utf8');
    const fingerprint = (await run('ssh-keygen', ['-lf', `${key('bob')}.pub`])).stdout.split(' ')[1]!;

    expect((await ssh(key('bob'), ['echo-args'])).code).toBe(255);
    const added = await ssh(key('alice'), ['ssh-keys:add', 'bob@laptop', '-'], { input: bobPub });
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe(`-----> Added ssh key bob@laptop\n       ${fingerprint}\n`);
    const bob = await ssh(key('bob'), ['echo-args']);
    expect(JSON.parse(bob.stdout).actor.name).toBe('ssh key bob@laptop');

    const sameKey = await ssh(key('alice'), ['ssh-keys:add', 'other', '-'], { input: bobPub });
    expect(sameKey).toMatchObject({ code: 1, stderr: `error: this key is already added as "bob@laptop" (${fingerprint})\n` });
    const sameName = await ssh(key('alice'), ['ssh-keys:add', 'bob@laptop'], { input: readFileSync(`${key('mallory')}.pub`) });
    expect(sameName.stderr).toMatch(
      /^error: an ssh key named "bob@laptop" exists; remove it first with: paas ssh-keys:remove bob@laptop\n$/,
    );

    const list = await ssh(key('alice'), ['ssh-keys:list', '--format', 'json']);
    expect(JSON.parse(list.stdout).map((k: { name: string; fingerprint: string }) => [k.name, k.fingerprint])).toEqual([
      ['alice', (await run('ssh-keygen', ['-lf', `${key('alice')}.pub`])).stdout.split(' ')[1]],
      ['bob@laptop', fingerprint],
    ]);
    const table = await ssh(key('alice'), ['ssh-keys:list']);
    expect(table.stdout).toMatch(/^NAME +FINGERPRINT +CREATED\nalice +SHA256:\S+ +\d{4}-/);

    const removed = await ssh(key('alice'), ['ssh-keys:remove', 'bob@laptop']);
    expect(removed.stdout).toBe('-----> Removed ssh key bob@laptop\n');
    expect((await ssh(key('bob'), ['echo-args'])).code).toBe(255);
  });

  it('reads FILE only for the local CLI, and refuses bad input with one line', async () => {
    const file = await ssh(key('alice'), ['ssh-keys:add', 'carol', `${key('bob')}.pub`]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/^error: FILE is read on the server, so it only works there; pipe the key instead/);

    const privateKey = await ssh(key('alice'), ['ssh-keys:add', 'carol'], { input: readFileSync(key('bob')) });
    expect(privateKey.stderr).toMatch(/^error: that is a private key; keep it secret/);
    const empty = await ssh(key('alice'), ['ssh-keys:add', 'carol', '-']);
    expect(empty.stderr).toMatch(/^error: no public key on stdin; pipe one in/);
    const badName = await ssh(key('alice'), ['ssh-keys:add', "'../x'", '-'], { input: 'x' });
    expect(badName.stderr).toMatch(/^error: invalid ssh key name "\.\.\/x"/);

    const relative = await runCommand(['ssh-keys:add', 'carol', 'keys/bob.pub']);
    expect(relative.stderr).toMatch(/^error: the daemon reads FILE, so give an absolute path/);
    const missing = await runCommand(['ssh-keys:add', 'carol', join(dir, 'nope.pub')]);
    expect(missing.stderr).toMatch(/^error: cannot read the public key file .*nope\.pub: ENOENT/);
    // A FIFO or a device is refused at once, never waited on or read without end.
    const fifo = join(dir, 'key.fifo');
    expect((await run('mkfifo', [fifo])).code).toBe(0);
    expect((await runCommand(['ssh-keys:add', 'carol', fifo])).stderr).toMatch(
      /^error: the public key file .*key\.fifo is not a regular file/,
    );
    expect((await runCommand(['ssh-keys:add', 'carol', '/dev/zero'])).stderr).toMatch(
      /^error: the public key file \/dev\/zero is not a regular file/,
    );
    const unknown = await runCommand(['ssh-keys:remove', 'carol']);
    expect(unknown.stderr).toBe('error: no ssh key named "carol"; see: paas ssh-keys:list\n');
  });
});

describe('git over ssh', () => {
  const gitEnv = () => ({
    GIT_SSH_COMMAND: ['ssh', ...sshOptions(key('alice'), server.port).slice(0, -2)].join(' '),
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@example.com',
  });

  it('pushes into the bare repo, showing the pre-receive hook output as remote: lines', async () => {
    const work = join(dir, 'work');
    expect((await run('git', ['init', '--quiet', '-b', 'main', work])).code).toBe(0);
    writeFileSync(join(work, 'README'), 'hello\n');
    expect((await run('git', ['add', 'README'], { cwd: work })).code).toBe(0);
    expect((await run('git', ['commit', '--quiet', '-m', 'first'], { cwd: work, env: gitEnv() })).code).toBe(0);

    const url = `ssh://paas@127.0.0.1:${server.port}/blog`;
    const push = await run('git', ['push', url, 'main'], { cwd: work, env: gitEnv(), timeoutMs: 60_000 });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('remote: hook: hello from pre-receive, pushed by ssh key alice');
    expect(push.stderr).toContain('* [new branch]      main -> main');
    expect(gitCalls.at(-1)).toEqual({
      verb: 'git-receive-pack',
      app: 'blog',
      actor: { name: 'ssh key alice', transport: 'ssh' },
    });
    const head = await run('git', ['--git-dir', join(dir, 'repos', 'blog.git'), 'rev-parse', 'main']);
    const local = await run('git', ['rev-parse', 'main'], { cwd: work });
    expect(head.stdout).toBe(local.stdout);

    // ...and fetches it back (upload-pack, the .git form of the remote).
    const clone = await run('git', ['clone', '--quiet', `${url}.git`, join(dir, 'clone')], { env: gitEnv() });
    expect(clone.code, clone.stderr).toBe(0);
    expect(readFileSync(join(dir, 'clone', 'README'), 'utf8')).toBe('hello\n');
  });

  it('refuses a path outside the whitelist before git or GitAccess run', async () => {
    const calls = gitCalls.length;
    for (const command of ["git-receive-pack '../../etc'", "git-upload-pack '/etc/passwd'", "git-receive-pack '/blog;id'"]) {
      const result = await ssh(key('alice'), [command]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: invalid app in the git remote ".*": use ssh:\/\/paas@HOST:PORT\/APP/);
    }
    expect(gitCalls.length).toBe(calls);
  });

  it('passes a GitAccess refusal to the client and refuses git on a PTY', async () => {
    const refused = await ssh(key('alice'), ["git-upload-pack '/nope.git'"]);
    expect(refused).toMatchObject({ code: 1, stderr: 'error: app "nope" does not exist; push to it first\n' });
    const pty = await ssh(key('alice'), ["git-upload-pack '/blog.git'"], { extra: ['-tt'] });
    expect(pty.code).toBe(1);
    expect(pty.stdout + pty.stderr).toContain('git does not use a terminal; run it without ssh -t');
  });

  it('refuses an unregistered key for git too', async () => {
    const result = await ssh(key('mallory'), ["git-receive-pack '/blog.git'"]);
    expect(result.code).toBe(255);
  });
});

describe('host key', () => {
  it('is an ed25519 key, mode 0600, kept across restarts so clients can pin it', async () => {
    const path = hostKeyPath();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const parsedKey = utils.parseKey(readFileSync(path));
    expect(parsedKey instanceof Error ? parsedKey : parsedKey.type).toBe('ssh-ed25519');

    const knownHosts = join(dir, 'known_hosts');
    const pinned = (mode: string) => ['-o', `StrictHostKeyChecking=${mode}`, '-o', `UserKnownHostsFile=${knownHosts}`];
    const first = await ssh(key('alice'), ['echo-args'], { hostKeys: pinned('accept-new') });
    expect(first.code, first.stderr).toBe(0);

    const port = server.port;
    const before = readFileSync(path, 'utf8');
    await server.close();
    server = await startSshServer({
      port,
      host: '127.0.0.1',
      hostKeyPath: path,
      store,
      logger: pino({ level: 'silent' }),
      registry,
      gitAccess,
    });
    expect(readFileSync(path, 'utf8')).toBe(before);
    const again = await ssh(key('alice'), ['echo-args'], { hostKeys: pinned('yes') });
    expect(again.code, again.stderr).toBe(0);
  });
});
