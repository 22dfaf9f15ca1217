import { describe, expect, it } from 'vitest';
import { parseAppJson } from '../../../src/deploy/app-json.js';
import { batches, changedTypes, formationFor, parseScale } from '../../../src/deploy/formation.js';
import { parseRestartPolicy } from '../../../src/deploy/restart-policy.js';
import { parseProcfile } from '../../../src/deploy/procfile.js';
import { postFailure } from '../../../src/deploy/check-failure.js';
import { parallelism } from '../../../src/core/every-app.js';
import { expiryLabel, hasExpired, ttlSeconds } from '../../../src/deploy/one-off-ttl.js';

describe('app.json as Dokku reads it', () => {
  it('accepts // and /* */ comments and trailing commas, keeping // inside strings', () => {
    const parsed = parseAppJson(`{
      // the deploy tasks
      "scripts": { "dokku": { "predeploy": "curl http://example.com/a", /* after */ }, },
      "healthchecks": { "web": [ { "type": "startup", "content": "ok", }, ], },
    }`);
    expect(parsed.predeploy).toBe('curl http://example.com/a');
    expect(parsed.healthchecks.web![0]).toMatchObject({ type: 'startup', path: '/', content: 'ok', attempts: 3, wait: 5, timeout: 5 });
  });

  it('ignores env and other keys Dokku ignores', () => {
    const parsed = parseAppJson('{"env": {"SECRET": {"generator": "secret"}}, "addons": ["heroku-postgresql"], "name": "x"}');
    expect(parsed).toMatchObject({ predeploy: undefined, formation: {}, cron: [] });
  });

  it('reads formation quantities and max_parallel, and cron entries', () => {
    const parsed = parseAppJson(
      '{"formation": {"web": {"quantity": 2, "max_parallel": 1}, "worker": {"quantity": 0}},' +
        ' "cron": [{"command": "echo hi", "schedule": "* * * * *"}, {"command": "true", "schedule": "@daily", "concurrency_policy": "forbid"}]}',
    );
    expect(parsed.formation).toEqual({ web: { quantity: 2, maxParallel: 1 }, worker: { quantity: 0, maxParallel: undefined } });
    expect(parsed.cron).toEqual([
      { command: 'echo hi', schedule: '* * * * *', maintenance: false, concurrencyPolicy: 'allow' },
      { command: 'true', schedule: '@daily', maintenance: false, concurrencyPolicy: 'forbid' },
    ]);
  });

  it('reads every healthcheck field', () => {
    const [check] = parseAppJson(
      '{"healthchecks": {"web": [{"type": "readiness", "command": ["/bin/true"], "httpHeaders": [{"name": "Host", "value": "a.test"}],' +
        ' "scheme": "https", "port": 8443, "listening": false, "uptime": 3, "warn": true, "initialDelay": 1, "attempts": 2}]}}',
    ).healthchecks.web!;
    expect(check).toMatchObject({
      type: 'readiness',
      command: ['/bin/true'],
      httpHeaders: [{ name: 'Host', value: 'a.test' }],
      scheme: 'https',
      port: 8443,
      uptime: 3,
      warn: true,
      initialDelay: 1,
      attempts: 2,
      given: { attempts: true, wait: false, timeout: false },
    });
  });

  it('refuses what it cannot use, saying where', () => {
    expect(() => parseAppJson('{"formation": {"web": {"quantity": -1}}}')).toThrow('formation.web.quantity');
    expect(() => parseAppJson('{"cron": [{"command": "x"}]}')).toThrow('cron[0].schedule');
    expect(() => parseAppJson('{"healthchecks": {"web": [{"scheme": "ftp"}]}}')).toThrow('scheme must be http or https');
    expect(() => parseAppJson('{ nope')).toThrow('app.json is not valid JSON');
  });
});

describe('formation on deploy', () => {
  const types = { web: 'httpd', worker: 'work', custom: 'echo -n', release: 'touch x' };
  const none = { previous: undefined, pending: {}, appJson: {} };

  it('runs one web and nothing else on a first deploy; release is never a process', () => {
    expect(formationFor(types, none)).toEqual({
      web: { count: 1, command: 'httpd' },
      worker: { count: 0, command: 'work' },
      custom: { count: 0, command: 'echo -n' },
    });
    expect(formationFor({}, none)).toEqual({ web: { count: 1, command: null } });
  });

  it('applies a stored ps:scale, then keeps the counts the types had', () => {
    const first = formationFor(types, { ...none, pending: { worker: 2 } });
    expect(first.worker!.count).toBe(2);
    expect(formationFor(types, { ...none, previous: first }).worker!.count).toBe(2);
  });

  it('lets app.json quantities decide when it sets any: types it leaves out get 0', () => {
    const formation = formationFor(types, {
      previous: { web: { count: 3, command: 'httpd' }, custom: { count: 1, command: 'x' } },
      pending: { custom: 4 },
      appJson: { worker: { quantity: 2, maxParallel: undefined } },
    });
    expect(formation).toMatchObject({ web: { count: 0 }, worker: { count: 2 }, custom: { count: 0 } });
  });

  it('parses scale arguments and finds what changed', () => {
    expect(parseScale(['web=2', 'worker=0'])).toEqual({ web: 2, worker: 0 });
    expect(() => parseScale(['web=x'])).toThrow('is not TYPE=COUNT');
    expect(() => parseScale(['release=1'])).toThrow('cannot be scaled');
    expect(() => parseScale(['nope=1'], { web: { count: 1, command: null } })).toThrow('no process type "nope"');
    expect(
      changedTypes(
        { web: { count: 1, command: null }, worker: { count: 1, command: 'w' } },
        { web: { count: 1, command: null }, worker: { count: 2, command: 'w' } },
      ),
    ).toEqual(['worker']);
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([1, 2, 3], undefined)).toEqual([[1, 2, 3]]);
  });
});

describe('Procfile and ps settings', () => {
  it('skips // comment lines', () => {
    expect(parseProcfile('// comment\n# other\nweb: httpd -f\ncustom: echo -n\n')).toEqual({ web: 'httpd -f', custom: 'echo -n' });
  });

  it('reads Docker restart policies as Dokku names them', () => {
    expect(parseRestartPolicy('on-failure:10')).toEqual({ Name: 'on-failure', MaximumRetryCount: 10 });
    expect(parseRestartPolicy('unless-stopped')).toEqual({ Name: 'unless-stopped' });
    expect(parseRestartPolicy('always:3')).toBeUndefined();
    expect(parseRestartPolicy('sometimes')).toBeUndefined();
  });
});

describe('cron tasks', () => {
  it("get Dokku's ids", async () => {
    const { cronTaskId } = await import('../../../src/deploy/cron.js');
    expect(cronTaskId('php', { command: 'php test.php', schedule: '@daily' })).toBe('cGhwPT09cGhwIHRlc3QucGhwPT09QGRhaWx5');
  });

  it('refuse schedules with seconds or nonsense', () => {
    expect(() => parseAppJson('{"cron": [{"command": "x", "schedule": "*/5 * * * * *"}]}')).toThrow('must have five fields');
    expect(() => parseAppJson('{"cron": [{"command": "x", "schedule": "61 * * * *"}]}')).toThrow('is not a cron schedule');
    expect(parseAppJson('{"cron": [{"command": "x", "schedule": "@daily"}]}').cron).toHaveLength(1);
  });
});

describe('overlapping cron runs', () => {
  it('are skipped, unless the entry asks to replace the running one', async () => {
    const { overlapDecision } = await import('../../../src/deploy/cron.js');
    expect(overlapDecision(false, 'forbid')).toBe('run');
    expect(overlapDecision(true, 'allow')).toBe('skip');
    expect(overlapDecision(true, 'forbid')).toBe('skip');
    expect(overlapDecision(true, 'replace')).toBe('replace');
  });
});

describe('healthcheck onFailure', () => {
  const parse = (onFailure: unknown) =>
    parseAppJson(JSON.stringify({ healthchecks: { web: [{ path: '/', onFailure }] } })).healthchecks.web![0]!.onFailure;

  it('reads a command (list or string) and an http(s) url', () => {
    expect(parse({ command: ['/app/bin/notify', 'down'], url: 'https://hooks.example.com/x' })).toEqual({
      command: ['/app/bin/notify', 'down'],
      url: 'https://hooks.example.com/x',
    });
    expect(parse({ command: 'echo down' })).toEqual({ command: ['/bin/sh', '-c', 'echo down'], url: undefined });
    expect(parse({})).toBeUndefined();
  });

  it('refuses what it cannot run or post to', () => {
    expect(() => parse('notify')).toThrow('onFailure must be an object');
    expect(() => parse({ url: 'file:///etc/passwd' })).toThrow('onFailure.url must be an http(s) URL');
    expect(() => parse({ command: [1, 2] })).toThrow('onFailure.command must be a list of strings');
  });

  it('never posts to loopback or private addresses', async () => {
    expect(await postFailure('http://127.0.0.1:9/hook', {})).toContain('127.0.0.1 is a private or loopback address');
    expect(await postFailure('http://10.1.2.3/hook', {})).toContain('private or loopback');
    expect(await postFailure('http://[::1]:9/hook', {})).toContain('private or loopback');
    expect(await postFailure('ftp://example.com/', {})).toBe('only http and https URLs are posted to');
  });
});

describe('one-off containers: --ttl-seconds, and --all --parallel', () => {
  it('takes a whole number of seconds, a day by default', () => {
    expect(ttlSeconds(undefined)).toBe(86400);
    expect(ttlSeconds('600')).toBe(600);
    expect(() => ttlSeconds('0')).toThrow('--ttl-seconds must be a whole number');
    expect(() => ttlSeconds('10m')).toThrow('--ttl-seconds must be a whole number');
  });

  it('marks a container expired once its time has passed', () => {
    const labels = expiryLabel(60, 1_000_000);
    expect(hasExpired(labels, 1_000_000 + 59_000)).toBe(false);
    expect(hasExpired(labels, 1_000_000 + 60_000)).toBe(true);
    expect(hasExpired({}, Date.now())).toBe(false);
  });

  it('--parallel: 1 by default, N, or one per CPU with -1', () => {
    expect(parallelism(undefined, 8)).toBe(1);
    expect(parallelism('3', 8)).toBe(3);
    expect(parallelism('-1', 8)).toBe(8);
    expect(() => parallelism('0', 8)).toThrow('--parallel must be');
    expect(() => parallelism('many', 8)).toThrow('--parallel must be');
  });
});
