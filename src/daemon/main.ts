import { startDaemon } from './daemon.js';
import { readSettings } from './settings.js';

/** `paas daemon`: runs in the foreground until SIGTERM or SIGINT. */
export async function runDaemon(): Promise<void> {
  let daemon;
  try {
    daemon = await startDaemon(readSettings(process.env), process.stdout.isTTY === true);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemon.api.logger.info({ signal }, 'signal received');
    await daemon.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.stdout.write(`paas daemon listening on ${daemon.api.paths.socket}\n`);
}
