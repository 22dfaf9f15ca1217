import { connect } from 'node:net';
import { FrameDecoder, FrameKind } from '../core/frames.js';

/**
 * `paas ssh-forward --socket PATH --key NAME --fingerprint FP`: the forced command of a paas key
 * in the system user's authorized_keys. sshd runs it with the user's request in
 * SSH_ORIGINAL_COMMAND; it hands that to the daemon and relays stdin, stdout, stderr and the
 * exit status. It runs as the unprivileged system user and knows nothing the daemon must trust:
 * the daemon checks the key itself.
 */
export async function runSshForward(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = parseOptions(argv);
  const command = env.SSH_ORIGINAL_COMMAND;
  if (!command) {
    process.stderr.write('paas gives no shell; run a command, e.g. ssh dokku@HOST apps:list\n');
    return 1;
  }
  const tty = process.stdin.isTTY === true;
  const header = {
    command,
    key: options.key,
    fingerprint: options.fingerprint,
    ...(tty ? { pty: { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80, term: env.TERM || 'xterm' } } : {}),
  };
  return new Promise((resolve) => {
    const socket = connect({ path: options.socket, allowHalfOpen: true });
    const decoder = new FrameDecoder();
    let code: number | undefined;
    socket.on('connect', () => {
      socket.write(`${JSON.stringify(header)}\n`);
      if (tty) process.stdin.setRawMode(true);
      process.stdin.pipe(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === FrameKind.Stdout) process.stdout.write(frame.payload);
        else if (frame.kind === FrameKind.Stderr) process.stderr.write(frame.payload);
        else if (frame.kind === FrameKind.Exit) code = Number(frame.payload.toString());
      }
    });
    let over = false;
    const done = () => {
      if (over) return;
      over = true;
      if (tty) process.stdin.setRawMode(false);
      process.stdin.unpipe(socket);
      process.stdin.destroy();
      resolve(code ?? 1);
    };
    socket.on('end', done);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(`error: the paas daemon cannot be reached (${error.code ?? error.message}); is it running?\n`);
      code ??= 1;
      done();
    });
  });
}

function parseOptions(argv: readonly string[]): { socket: string; key: string; fingerprint: string } {
  const value = (name: string) => {
    const at = argv.indexOf(`--${name}`);
    const found = at === -1 ? undefined : argv[at + 1];
    if (!found) throw new Error(`ssh-forward needs --${name}`);
    return found;
  };
  return { socket: value('socket'), key: value('key'), fingerprint: value('fingerprint') };
}
