import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

/** JSON lines to the log file always; readable lines too when a person watches a terminal. */
export function createLogger(logFile: string, toTerminal: boolean): Logger {
  mkdirSync(dirname(logFile), { recursive: true });
  const streams: pino.StreamEntry[] = [{ stream: pino.destination({ dest: logFile, sync: false, mkdir: true }) }];
  if (toTerminal) {
    streams.push({ stream: pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) });
  }
  return pino({ level: process.env.PAAS_LOG_LEVEL ?? 'info' }, pino.multistream(streams));
}
