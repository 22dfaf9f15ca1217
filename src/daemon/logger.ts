import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import pino from 'pino';
import type PinoPretty from 'pino-pretty';

const require = createRequire(import.meta.url);

export type Logger = pino.Logger;

/** JSON lines to the log file always; readable lines too when a person watches a terminal. */
export function createLogger(logFile: string, toTerminal: boolean): Logger {
  mkdirSync(dirname(logFile), { recursive: true });
  const streams: pino.StreamEntry[] = [{ stream: pino.destination({ dest: logFile, sync: false, mkdir: true }) }];
  if (toTerminal) {
    // Loaded only for a person at a terminal: a daemon under systemd never pays for it.
    const pretty = (require('pino-pretty') as { default: typeof PinoPretty }).default;
    streams.push({ stream: pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) });
  }
  return pino({ level: process.env.PAAS_LOG_LEVEL ?? 'info' }, pino.multistream(streams));
}
