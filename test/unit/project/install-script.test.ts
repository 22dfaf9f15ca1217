import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = readFileSync(new URL('../../../scripts/install.sh', import.meta.url), 'utf8');
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

/** Runs install.sh's configure_docker (with its helpers) against a daemon.json of the test's own. */
function configureDocker(file: string) {
  const functions = ['step', 'die', 'systemd_runs', 'configure_docker'].map(
    (name) => new RegExp(`^${name}\\(\\) \\{(?:\\n[\\s\\S]*?^\\}| .*\\})\\n`, 'm').exec(script)?.[0] ?? '',
  );
  const ROOT = new URL('../../..', import.meta.url).pathname;
  return spawnSync('bash', ['-euo', 'pipefail', '-c', `${functions.join('\n')}\nconfigure_docker`], {
    env: { ...process.env, ROOT, PAAS_DOCKER_DAEMON_JSON: file },
    encoding: 'utf8',
  });
}

describe('install.sh configure_docker', () => {
  it('merges live-restore and address pools into an existing daemon.json, keeps every other setting and says so', () => {
    const file = join(scratch, 'daemon.json');
    writeFileSync(
      file,
      JSON.stringify({ 'log-driver': 'local', 'registry-mirrors': ['https://mirror.example'], 'data-root': '/srv/docker' }),
    );
    const result = configureDocker(file);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      'log-driver': 'local',
      'registry-mirrors': ['https://mirror.example'],
      'data-root': '/srv/docker',
      'live-restore': true,
      'default-address-pools': [{ base: '172.16.0.0/12', size: 24 }],
    });
    expect(result.stdout).toContain('live-restore: true');
    expect(result.stdout).toContain('default-address-pools');
    expect(result.stdout).toContain('updated; the other settings in it are kept');
    expect(result.stdout).toContain('Not reloading dockerd');
  });

  it('a second run changes nothing', () => {
    const file = join(scratch, 'daemon.json');
    const before = readFileSync(file, 'utf8');
    const result = configureDocker(file);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('already has what paas needs');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('creates a missing file, and never overrides pools or live-restore the admin chose', () => {
    const fresh = join(scratch, 'etc-docker', 'daemon.json');
    expect(configureDocker(fresh).status).toBe(0);
    expect(JSON.parse(readFileSync(fresh, 'utf8'))['live-restore']).toBe(true);
    const chosen = join(scratch, 'chosen.json');
    const pools = [{ base: '10.99.0.0/16', size: 26 }];
    writeFileSync(chosen, JSON.stringify({ 'live-restore': false, 'default-address-pools': pools }));
    const result = configureDocker(chosen);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('live-restore is set to false in the file; left as it is');
    expect(JSON.parse(readFileSync(chosen, 'utf8'))).toEqual({ 'live-restore': false, 'default-address-pools': pools });
  });

  it('refuses a file that is not JSON and leaves it untouched', () => {
    const broken = join(scratch, 'broken.json');
    writeFileSync(broken, '{ "log-driver": ');
    const result = configureDocker(broken);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/broken\.json is not valid JSON/);
    expect(readFileSync(broken, 'utf8')).toBe('{ "log-driver": ');
  });

  it('leaves live-restore off on a Swarm engine, which refuses it', () => {
    const file = join(scratch, 'swarm.json');
    const result = spawnSync('node', [new URL('../../../scripts/docker-daemon-config.mjs', import.meta.url).pathname, file, '--swarm'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(10);
    expect(result.stdout).toContain('live-restore left off: this engine is in Swarm mode');
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('live-restore');
  });

  it('orders the systemd unit after docker.service without stopping with it', () => {
    expect(script).toMatch(/^After=network-online\.target docker\.service/m);
    expect(script).toMatch(/^Wants=network-online\.target docker\.service$/m);
    expect(script).not.toMatch(/^(Requires|BindsTo)=.*docker/m);
  });
});
