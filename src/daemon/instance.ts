import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A short random id made once per PAAS_HOME and kept in it. */
export function instanceId(home: string): string {
  const file = join(home, 'instance-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[a-z0-9]{8}$/.test(id)) return id;
  } catch {
    // first start: make one below
  }
  const id = randomBytes(4).toString('hex');
  writeFileSync(file, `${id}\n`);
  return id;
}
