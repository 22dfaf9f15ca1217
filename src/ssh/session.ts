import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { ServerChannel, Session } from 'ssh2';
import type { Actor, Terminal } from '../core/command.js';
import { UserError, oneLine } from '../core/errors.js';
import { executeCommand } from '../core/execute.js';
import type { CommandRegistry } from '../core/registry.js';
import type { Logger } from '../daemon/logger.js';
import type { GitAccess } from '../git/git-access.js';
import type { Store } from '../store/store.js';
import { parseGitCommand, splitCommandLine, type GitCommand } from './command-line.js';
import { channelWriter, drain, terminalRouter, toCrlf } from './terminal.js';

/** What a session needs of the daemon. */
export interface Deps {
  store: Store;
  logger: Logger;
  registry: CommandRegistry;
  gitAccess: GitAccess;
  port: number;
}

/**
 * What a connection is doing, for the guard: until its login it has the login timeout; once
 * logged in, the idle timeout runs whenever no command or git runs on it.
 */
export interface Activity {
  loggedIn(): void;
  /** A command or git starts; call the returned function when it is over. */
  busy(): () => void;
}

/** One exec request: its channel and what runs on it. */
export interface Exec {
  channel: ServerChannel;
  /** The client asked for a PTY (ssh -t): its terminal is in raw mode. */
  pty: boolean;
  /** The PTY's size and type, and size changes, when pty is set. */
  terminal: PtyState;
  actor: Actor;
  /** Aborted when the client goes away: the channel closed or the connection dropped. */
  gone: AbortSignal;
  deps: Deps;
}

export interface PtyState {
  rows: number;
  cols: number;
  term: string;
  listeners: Array<(rows: number, cols: number) => void>;
}

export function handleSession(session: Session, actor: Actor, dropped: AbortSignal, deps: Deps, activity: Activity): void {
  let pty = false;
  const terminal: PtyState = { rows: 24, cols: 80, term: 'xterm', listeners: [] };
  session.on('pty', (accept, _reject, info) => {
    pty = true;
    terminal.rows = info.rows || terminal.rows;
    terminal.cols = info.cols || terminal.cols;
    terminal.term = /^[A-Za-z0-9._+-]{1,64}$/.test(info.term ?? '') ? info.term : terminal.term;
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    terminal.rows = info.rows;
    terminal.cols = info.cols;
    for (const listener of terminal.listeners) listener(info.rows, info.cols);
    accept?.();
  });
  session.once('shell', (accept, reject) => {
    const channel = accept();
    if (!channel) return reject?.();
    const hint = `paas gives no shell; run a command, e.g. ssh -p ${deps.port} paas@HOST apps:list\n`;
    channel.stderr.write(pty ? toCrlf(Buffer.from(hint)) : hint);
    finish(channel, 1);
  });
  session.once('exec', (accept, reject, info) => {
    const channel = accept();
    if (!channel) return reject?.();
    const closed = new AbortController();
    const busy = activity.busy();
    const over = () => {
      dropped.removeEventListener('abort', over);
      busy();
    };
    channel.once('close', () => {
      closed.abort();
      over();
    });
    dropped.addEventListener('abort', over, { once: true });
    const exec: Exec = { channel, pty, terminal, actor, gone: AbortSignal.any([closed.signal, dropped]), deps };
    handleExec(exec, info.command).catch((error: unknown) => {
      deps.logger.error({ err: error, actor: actor.name }, 'ssh exec failed');
      channel.stderr.write('error: internal error (details in the daemon log)\n');
      finish(channel, 1);
    });
  });
}

export async function handleExec(exec: Exec, command: string): Promise<void> {
  let git: GitCommand | undefined;
  let argv: string[];
  try {
    git = parseGitCommand(command);
    argv = git ? [] : splitCommandLine(command);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return refuse(exec, error);
  }
  if (git) {
    if (exec.pty) return refuse(exec, new UserError('git does not use a terminal; run it without ssh -t'));
    return runGit(exec, git);
  }
  return runCommand(exec, argv);
}

function refuse({ channel, pty }: Exec, error: UserError): void {
  const line = Buffer.from(`error: ${oneLine(error.message)}\n`);
  channel.stderr.write(pty ? toCrlf(line) : line);
  finish(channel, error.exitCode);
}

/** Runs git-receive-pack / git-upload-pack on the app's bare repo: argv, no shell. */
async function runGit(exec: Exec, git: GitCommand): Promise<void> {
  const { channel, actor, gone, deps } = exec;
  let access;
  try {
    access = await deps.gitAccess.open(git.verb, git.app, actor);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return refuse(exec, error);
  }
  if (gone.aborted) return;
  deps.logger.info({ verb: git.verb, app: git.app, actor: actor.name }, 'git over ssh');

  const child = spawn(git.verb, [access.repoPath], {
    env: { ...process.env, ...access.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let done = false;
  const end = (code: number) => {
    if (done) return;
    done = true;
    gone.removeEventListener('abort', stop);
    finish(channel, code);
  };
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  gone.addEventListener('abort', stop, { once: true });
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  // git stops reading when it is done or fails; the rest of the client's data has nowhere to go.
  child.stdin.on('error', () => {});
  child.on('error', (error) => {
    deps.logger.error({ err: error, verb: git.verb }, 'cannot start git');
    channel.stderr.write('error: internal error: cannot start git (details in the daemon log)\n');
    end(1);
  });
  // 'close', not 'exit': by then git's output has all been handed to the channel.
  child.on('close', (code) => end(code ?? 1));
}

/** Runs one paas command with the channel as its stdin/stdout/stderr. */
async function runCommand(exec: Exec, argv: string[]): Promise<void> {
  const { channel, pty, actor, gone, deps } = exec;
  const interrupted = new AbortController();
  const signal = AbortSignal.any([gone, interrupted.signal]);
  const stdout = channelWriter(channel, exec);
  const stderr = channelWriter(channel.stderr, exec);
  // The channel's input is always read, so its close is seen even if the command never reads stdin.
  const input = pty ? terminalRouter(channel, interrupted) : undefined;
  const stdin = input ? input.lines : channel.pipe(new PassThrough());
  const terminal: Terminal | undefined = input && {
    rows: exec.terminal.rows,
    cols: exec.terminal.cols,
    term: exec.terminal.term,
    attach: () => ({ input: input.raw(), output: channel }),
    onResize: (listener) => exec.terminal.listeners.push(listener),
  };

  const code = await executeCommand(
    deps.registry,
    argv,
    { stdout, stderr, stdin, actor, signal, terminal },
    {
      logger: deps.logger,
      appExists: (name) => deps.store.apps.find(name) !== undefined,
    },
  );
  await Promise.all([drain(stdout), drain(stderr)]);
  stdin.resume(); // whatever input is left is for no one; reading it lets the channel close
  // Interrupted with ^C: exit as a shell reports SIGINT, even if the command stopped cleanly.
  finish(channel, interrupted.signal.aborted && code === 0 ? 130 : code);
}

/** The exit status first, then the end: once the channel has ended, exit() is silently dropped. */
export function finish(channel: ServerChannel, code: number): void {
  channel.exit(code);
  channel.end();
}
