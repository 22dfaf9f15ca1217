import { Cron } from 'croner';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

const MACRO = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;

/**
 * A backup schedule: five cron fields (minute hour day month weekday), six with seconds first,
 * or a macro like @daily. Returns it trimmed; croner checks the values.
 */
export function assertBackupSchedule(schedule: string): string {
  const trimmed = schedule.trim();
  const fields = trimmed.split(/\s+/).length;
  if (!MACRO.test(trimmed) && fields !== 5 && fields !== 6) {
    throw new UserError(
      `schedule "${printable(schedule)}" must have five fields (minute hour day month weekday), six with seconds first, or be like @daily`,
    );
  }
  try {
    new Cron(trimmed, { paused: true }).stop();
  } catch (error) {
    throw new UserError(`schedule "${printable(schedule)}" is not a cron schedule: ${(error as Error).message}`);
  }
  return trimmed;
}
