import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';

const PROCESS_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/**
 * Heroku's Procfile as Dokku reads it: `type: command` lines; `#` and `//` comment lines and blank
 * lines are skipped; a type may appear once. A trailing ` # comment` is left to the shell that runs
 * the command, so a `#` inside quotes stays intact.
 */
export function parseProcfile(text: string): Record<string, string> {
  const types: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return;
    const colon = line.indexOf(':');
    const type = colon === -1 ? '' : line.slice(0, colon).trim();
    const command = colon === -1 ? '' : line.slice(colon + 1).trim();
    if (!PROCESS_TYPE.test(type) || command === '') {
      throw new UserError(`Procfile line ${i + 1} is not "type: command": "${printable(line)}"`);
    }
    if (type in types) throw new UserError(`Procfile defines "${type}" twice (line ${i + 1})`);
    types[type] = command;
  });
  return types;
}
