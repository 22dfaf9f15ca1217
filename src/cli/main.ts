import { PAAS_VERSION } from '../version.js';
import { appHint } from './app-hint.js';
import { DaemonUnreachable, sendCommand } from './client.js';
import { targetFromEnv } from './target.js';

/** The `paas` command: `paas daemon` runs the server; anything else is sent to it. */
export async function main(rawArgv: readonly string[]): Promise<void> {
  const argv = normalize(rawArgv);
  if (argv[0] === 'daemon' && !argv.includes('--help')) {
    const { runDaemon } = await import('../daemon/main.js');
    return runDaemon();
  }
  exitQuietlyWhenOutputCloses();
  if (argv[0] === 'ssh-forward') {
    const { runSshForward } = await import('./ssh-forward.js');
    const forwarded = await runSshForward(argv.slice(1), process.env);
    process.stdout.write('', () => process.exit(forwarded));
    return;
  }
  if (argv[0] === 'version') process.stdout.write(`paas client ${PAAS_VERSION}\n`);
  const hint = argv.some((arg) => arg === '--app' || arg.startsWith('--app=')) ? undefined : appHint(process.env, process.cwd());
  let code: number;
  try {
    code = await sendCommand(targetFromEnv(process.env), hint ? ['--app-hint', hint, ...argv] : argv, {
      stdout: (chunk) => process.stdout.write(chunk),
      stderr: (chunk) => process.stderr.write(chunk),
      stdin: process.stdin.isTTY ? undefined : process.stdin,
    });
  } catch (error) {
    const { isHelpRequest, printOfflineHelp } = await import('./local-help.js');
    if (error instanceof DaemonUnreachable && isHelpRequest(argv)) {
      code = await printOfflineHelp(argv, process.stdout, process.stderr);
    } else {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      code = 1;
    }
  }
  process.stdout.write('', () => process.exit(code));
}

/** What a shell reports for a program that SIGPIPE ended: `paas logs blog | head` ends the same way. */
const EXIT_BROKEN_PIPE = 128 + 13;

/**
 * The reader of our output went away (`paas apps:list | head -1`): stop, as a Unix tool stopped by
 * SIGPIPE does, without a stack trace. Exiting also closes the request, which stops the command.
 */
function exitQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
      throw error;
    });
  }
}

function normalize(argv: readonly string[]): string[] {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help') return ['help', ...argv.slice(1)];
  if (argv[0] === '-v' || argv[0] === '--version') return ['version'];
  return [...argv];
}
