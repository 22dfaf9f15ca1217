import { basename } from 'node:path';
import { sendCommand } from '../cli/client.js';
import { targetFromEnv } from '../cli/target.js';

/**
 * Runs as the repo's pre-receive hook, inside git's quarantine: hands the ref updates and the
 * quarantine's object directories to the daemon (`git:hook`), relays the deploy's output (git
 * shows it to the pusher as `remote:` lines), and exits with the deploy's status, so a failed
 * build rejects the push and leaves the branch where it was.
 */
async function main(): Promise<void> {
  const app = basename(process.cwd()).replace(/\.git$/, '');
  const env = process.env;
  const argv = ['git:hook', app];
  const forward: Array<[string, string | undefined]> = [
    ['--object-directory', env.GIT_OBJECT_DIRECTORY],
    ['--alternate-object-directories', env.GIT_ALTERNATE_OBJECT_DIRECTORIES],
    ['--quarantine-path', env.GIT_QUARANTINE_PATH],
    ['--pusher', env.PAAS_PUSHER],
  ];
  for (const [flag, value] of forward) if (value) argv.push(`${flag}=${value}`);
  let code: number;
  try {
    code = await sendCommand(targetFromEnv(env), argv, {
      stdout: (chunk) => process.stdout.write(chunk),
      stderr: (chunk) => process.stderr.write(chunk),
      stdin: process.stdin,
    });
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  }
  process.stdout.write('', () => process.exit(code));
}

await main();
