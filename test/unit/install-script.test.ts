import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = readFileSync(new URL('../../scripts/install.sh', import.meta.url), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'paas-install-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** One function of install.sh, run on its own in bash. */
function runFunction(name: string, env: NodeJS.ProcessEnv): void {
  const body = new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?^\\}\\n`, 'm').exec(script)?.[0];
  expect(body, `${name} in install.sh`).toBeDefined();
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', `${body}\n${name}`], { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('install.sh secure_home', () => {
  it('makes a new PAAS_HOME and its logs private before the daemon starts', () => {
    const home = join(scratch, 'fresh');
    runFunction('secure_home', { PAAS_HOME: home });
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'logs'))).toBe(0o700);
  });

  it('repairs an install an older version left open to other users', () => {
    const home = join(scratch, 'old');
    mkdirSync(join(home, 'logs'), { recursive: true });
    chmodSync(home, 0o755);
    chmodSync(join(home, 'logs'), 0o755);
    writeFileSync(join(home, 'paas.db'), '', { mode: 0o644 });
    writeFileSync(join(home, 'logs', 'daemon.out'), '', { mode: 0o644 });
    runFunction('secure_home', { PAAS_HOME: home });
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'paas.db'))).toBe(0o600);
    expect(mode(join(home, 'logs', 'daemon.out'))).toBe(0o600);
  });

  it('runs the daemon with umask 077 under systemd', () => {
    expect(script).toMatch(/^UMask=0077$/m);
  });
});
