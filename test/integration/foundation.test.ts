import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startDaemon, PAAS_BIN, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;

beforeAll(async () => {
  daemon = await startDaemon();
});
afterAll(async () => {
  await daemon?.destroy();
});

describe('daemon and CLI', () => {
  it('prints client and daemon versions', async () => {
    const result = await daemon.paas(['version']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^paas client \d+\.\d+\.\d+\npaas daemon \d+\.\d+\.\d+\n$/);
  });

  it('keeps the socket for root only', () => {
    expect(statSync(join(daemon.home, 'paas.sock')).mode & 0o777).toBe(0o600);
  });

  it('creates an app, stores config with spaces and reads it back', async () => {
    await daemon.paasOk(['apps:create', 'demo']);
    await daemon.paasOk(['config:set', 'demo', 'A=1', 'B=two words']);
    expect(await daemon.paasOk(['config:get', 'demo', 'B'])).toBe('two words\n');
  });

  it('keeps =, quotes and unicode in values, and decodes --encoded', async () => {
    const tricky = `x=y "quoted" 'single' héllo ✓ $HOME`;
    await daemon.paasOk(['config:set', 'demo', `TRICKY=${tricky}`]);
    expect(await daemon.paasOk(['config:get', 'demo', 'TRICKY'])).toBe(`${tricky}\n`);
    const multiline = 'line 1\nline 2';
    await daemon.paasOk(['config:set', '--encoded', 'demo', `ML=${Buffer.from(multiline).toString('base64')}`]);
    expect(await daemon.paasOk(['config:get', 'demo', 'ML'])).toBe(`${multiline}\n`);
  });

  it('shows, lists keys, exports, unsets and clears config', async () => {
    const show = await daemon.paasOk(['config', 'demo']);
    expect(show).toContain('=====> demo env vars');
    expect(show).toMatch(/B:\s+two words/);
    expect(await daemon.paasOk(['config:keys', 'demo'])).toBe('A\nB\nML\nTRICKY\n');
    const exported = await daemon.paasOk(['config:export', 'demo', '--format', 'shell']);
    const evaluated = await run('sh', ['-c', `${exported}\nprintf '%s' "$TRICKY"`]);
    expect(evaluated.stdout).toBe(`x=y "quoted" 'single' héllo ✓ $HOME`);
    expect(JSON.parse(await daemon.paasOk(['config:export', 'demo', '--format', 'json']))).toMatchObject({ A: '1' });
    await daemon.paasOk(['config:unset', 'demo', 'ML', 'TRICKY']);
    expect(await daemon.paasOk(['config:keys', 'demo'])).toBe('A\nB\n');
  });

  it('merges global config under the app config', async () => {
    await daemon.paasOk(['config:set', '--global', 'TZ=UTC', 'A=global']);
    expect(await daemon.paasOk(['config:get', '--global', 'TZ'])).toBe('UTC\n');
    const merged = JSON.parse(await daemon.paasOk(['config:export', 'demo', '--format', 'json']));
    expect(merged).toMatchObject({ TZ: 'UTC', A: '1', B: 'two words' });
    expect(await daemon.paasOk(['config:keys', 'demo'])).toBe('A\nB\n');
    expect(await daemon.paasOk(['config:keys', 'demo', '--merged'])).toBe('A\nB\nTZ\n');
  });

  it('lists, reports, renames and destroys apps', async () => {
    await daemon.paasOk(['apps:create', 'other']);
    expect(await daemon.paasOk(['apps:list'])).toBe('=====> My Apps\ndemo\nother\n');
    const json = JSON.parse(await daemon.paasOk(['apps:list', '--format', 'json']));
    expect(json.map((a: { name: string }) => a.name)).toEqual(['demo', 'other']);
    expect(await daemon.paasOk(['apps:info', 'demo'])).toContain('=====> demo app information');
    await daemon.paasOk(['config:set', 'other', 'KEEP=me']);
    await daemon.paasOk(['apps:rename', 'other', 'renamed']);
    expect(await daemon.paasOk(['config:get', 'renamed', 'KEEP'])).toBe('me\n');
    const refused = await daemon.paas(['apps:destroy', 'renamed']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('paas apps:destroy renamed --force');
    expect(await daemon.paasOk(['apps:list'])).toContain('renamed');
    await daemon.paasOk(['apps:destroy', 'renamed', '--force']);
    expect(await daemon.paasOk(['apps:list'])).toBe('=====> My Apps\ndemo\n');
  });

  it('has help for every command, with an example', async () => {
    const list = await daemon.paasOk(['help']);
    for (const name of ['apps:create', 'config:set', 'tokens:create', 'version']) expect(list).toContain(name);
    const viaFlag = await daemon.paasOk(['config:set', '--help']);
    expect(viaFlag).toBe(await daemon.paasOk(['help', 'config:set']));
    expect(viaFlag).toContain('Example');
  });
});

describe('bad input is refused with one line and changes nothing', () => {
  const refused = async (args: string[], pattern: RegExp) => {
    const result = await daemon.paas(args);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    return result;
  };

  it('refuses invalid and existing app names', async () => {
    await refused(['apps:create', 'Bad_Name'], /invalid app name "Bad_Name"/);
    await refused(['apps:create', '../etc'], /invalid app name/);
    await refused(['apps:create', 'demo'], /app "demo" already exists/);
    await refused(['apps:rename', 'demo', 'demo'], /already exists/);
  });

  it('refuses unknown apps with the command to create them', async () => {
    await refused(['config:set', 'ghost', 'A=1'], /app "ghost" does not exist; create it with: paas apps:create ghost/);
    await refused(['apps:report', 'ghost'], /does not exist/);
  });

  it('refuses malformed KEY=VALUE and reserved keys without storing anything', async () => {
    const before = await daemon.paasOk(['config:export', 'demo', '--format', 'json']);
    await refused(['config:set', 'demo', 'GOOD=1', 'novalue'], /"novalue" is not KEY=VALUE/);
    await refused(['config:set', 'demo', 'PORT=80'], /PORT is set by paas/);
    await refused(['config:set', 'demo', '1BAD=x'], /invalid config key/);
    expect(await daemon.paasOk(['config:export', 'demo', '--format', 'json'])).toBe(before);
  });

  it('suggests the closest command for an unknown one', async () => {
    await refused(['apps:craete', 'x'], /unknown command "apps:craete"; did you mean "apps:create"\?/);
    await refused(['apps:create', 'x', '--bogus'], /unknown flag --bogus/);
  });
});

describe('API tokens on the TCP port', () => {
  const api = (token: string | undefined) => ({
    env: { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token },
  });

  it('runs commands with a valid token and stores only its hash', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'laptop'])).trim();
    expect(token).toMatch(/^paas_[A-Za-z0-9_-]{32}$/);
    expect(await daemon.paasOk(['apps:list'], api(token))).toContain('demo');
    const list = await daemon.paasOk(['tokens:list']);
    expect(list).toContain('laptop');
    expect(list).not.toContain(token);
    const db = await run('grep', ['-c', token, join(daemon.home, 'paas.db')]);
    expect(db.stdout.trim()).toBe('0');
  });

  it('answers 401 to a wrong or missing token and does nothing', async () => {
    const result = await daemon.paas(['apps:create', 'intruder'], api('paas_wrong'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP 401');
    const raw = await fetch(`http://127.0.0.1:${daemon.apiPort}/v1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-paas-command' },
      body: '{"argv":["apps:create","intruder2"]}\n',
    });
    expect(raw.status).toBe(401);
    expect(await daemon.paasOk(['apps:list'])).not.toContain('intruder');
  });

  it('answers a body of another type with 415 at once, and runs nothing', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'typist'])).trim();
    for (const type of ['text/plain', 'application/json']) {
      const response = await fetch(`http://127.0.0.1:${daemon.apiPort}/v1/commands`, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${token}` },
        body: '{"argv":["apps:create","typed"]}\n',
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status, type).toBe(415);
      expect(((await response.json()) as { error: string }).error).toContain('application/x-paas-command');
    }
    expect(await daemon.paasOk(['apps:list'])).not.toContain('typed');
  });

  it('revokes a token', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'temp'])).trim();
    await daemon.paasOk(['tokens:remove', 'temp']);
    expect((await daemon.paas(['apps:list'], api(token))).stderr).toContain('HTTP 401');
  });
});

describe('state survives a daemon restart', () => {
  it('keeps apps, config and tokens', async () => {
    const token = (await daemon.paasOk(['tokens:create', 'survivor'])).trim();
    await daemon.stop();
    await daemon.start();
    expect(await daemon.paasOk(['apps:list'])).toContain('demo');
    expect(await daemon.paasOk(['config:get', 'demo', 'B'])).toBe('two words\n');
    expect(await daemon.paasOk(['config:get', '--global', 'TZ'])).toBe('UTC\n');
    expect(
      await daemon.paasOk(['apps:list'], { env: { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token } }),
    ).toContain('demo');
  });
});

describe('without a daemon', () => {
  it('says it is not running and how to start it', async () => {
    const result = await run(process.execPath, [PAAS_BIN, 'version'], { env: { PAAS_HOME: '/nonexistent-paas' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: the paas daemon is not running (socket /nonexistent-paas/paas.sock); start it with: paas daemon\n');
  });

  it('still shows help', async () => {
    const result = await run(process.execPath, [PAAS_BIN, 'help', 'apps:create'], { env: { PAAS_HOME: '/nonexistent-paas' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: paas apps:create APP');
  });
});
