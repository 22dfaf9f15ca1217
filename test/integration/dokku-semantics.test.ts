import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorkTree, httpGet, run, startDaemon, type DaemonHandle } from './harness.js';

let daemon: DaemonHandle;
let token: string;
let instance: string;

beforeAll(async () => {
  daemon = await startDaemon();
  token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
});
afterAll(async () => {
  await daemon?.destroy();
});

const remote = (app: string) => `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`;

/** Running process containers of an app: "type.index" -> container id. */
async function processes(app: string): Promise<Record<string, string>> {
  const result = await run('docker', [
    'ps',
    '--filter',
    `label=paas.instance=${instance}`,
    '--filter',
    `label=paas.app=${app}`,
    '--filter',
    'label=paas.role=process',
    '--format',
    '{{.ID}} {{.Label "paas.process"}}.{{.Label "paas.index"}}',
  ]);
  return Object.fromEntries(
    result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').reverse() as [string, string]),
  );
}

/** Ids of the app's running process containers (old ones retiring included). */
async function containerIds(app: string): Promise<string[]> {
  const result = await run('docker', [
    'ps',
    '-q',
    '--filter',
    `label=paas.instance=${instance}`,
    '--filter',
    `label=paas.app=${app}`,
    '--filter',
    'label=paas.role=process',
  ]);
  return result.stdout.split('\n').filter(Boolean);
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function pushSample(app: string, edit?: (dir: string) => void) {
  const tree = await appWorkTree('dokku-sample');
  if (edit) {
    edit(tree.dir);
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'edit');
  }
  const push = await tree.git('push', remote(app), 'main');
  return { tree, push };
}

describe('a Dokku sample app (comments in app.json, a release type, deploy tasks, a content check)', () => {
  let output = '';

  it('deploys on the first push and runs only web', async () => {
    await daemon.paasOk(['apps:create', 'sample']);
    await daemon.paasOk(['config:set', '--no-restart', 'sample', 'SECRET_TOKEN=s3cret']);
    const { push } = await pushSample('sample');
    output = push.stderr;
    expect(push.code, output).toBe(0);
    expect(output).toContain('web check passed');
    expect(Object.keys(await processes('sample'))).toEqual(['web.1']);
    expect((await httpGet((await daemon.paasOk(['urls', 'sample'])).trim().split('\n')[0]!)).body).toBe('dokku sample\n');
    expect(await daemon.paasOk(['ps:scale', 'sample'])).toMatch(/web: 1\nworker: 0\ncron: 0\ncustom: 0\n/);
  });

  it('runs predeploy before the release command, and keeps what predeploy wrote in the image', async () => {
    const order = ['Running predeploy', 'Running release phase', 'Starting web.1', 'Running postdeploy'].map((text) =>
      output.indexOf(text),
    );
    expect(
      order.every((index) => index >= 0),
      output,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(await daemon.paas(['run', 'sample', 'ls', '/app/predeploy.test'])).toMatchObject({ code: 0, stdout: '/app/predeploy.test\n' });
    expect((await daemon.paas(['run', 'sample', 'ls', '/app/postdeploy.test'])).code).not.toBe(0);
    expect((await daemon.paas(['run', 'sample', 'ls', '/app/release.test'])).code).not.toBe(0);
  });

  it('keeps the config out of the committed image, and its CMD as it was', async () => {
    const release = JSON.parse(await daemon.paasOk(['releases', 'sample', '--format', 'json']))[0] as { image: string };
    const inspect = await run('docker', ['image', 'inspect', '-f', '{{json .Config.Env}} {{json .Config.Cmd}}', release.image]);
    expect(inspect.stdout).not.toContain('s3cret');
    expect(inspect.stdout).toContain('httpd -f -p ${PORT:-5000} -h /app/www');
    expect(await daemon.paasOk(['run', 'sample', 'echo $SECRET_TOKEN'])).toBe('s3cret\n');
  });

  it('scales worker 1 -> 2 without touching web or the first worker', async () => {
    const before = await processes('sample');
    await daemon.paasOk(['ps:scale', 'sample', 'worker=1']);
    const one = await processes('sample');
    expect(one['web.1']).toBe(before['web.1']);
    expect(Object.keys(one).sort()).toEqual(['web.1', 'worker.1']);
    const out = await daemon.paasOk(['ps:scale', 'sample', 'worker=2']);
    expect(out).toContain('Starting worker.2');
    expect(out).not.toContain('web.1');
    const two = await processes('sample');
    expect(two['web.1']).toBe(before['web.1']);
    expect(two['worker.1']).toBe(one['worker.1']);
    expect(Object.keys(two).sort()).toEqual(['web.1', 'worker.1', 'worker.2']);
    await daemon.paasOk(['ps:scale', 'sample', 'worker=0']);
    expect(Object.keys(await processes('sample'))).toEqual(['web.1']);
    expect(JSON.parse(await daemon.paasOk(['ps:scale', 'sample', '--format', 'json']))).toContainEqual({
      process_type: 'web',
      quantity: 1,
    });
  });
});

describe('checks: disable, skip, wait-to-retire, run', () => {
  it('checks:disable web replaces web stop-then-start, without checks', async () => {
    const [before] = Object.values(await processes('sample'));
    expect(await daemon.paasOk(['checks:disable', 'sample', 'web'])).toContain(
      "Disabling zero downtime for app's (sample) proctypes (web)",
    );
    expect(await daemon.paasOk(['checks:report', 'sample', '--checks-disabled-list'])).toBe('web\n');
    const out = await daemon.paasOk(['deploy', 'sample', '--force']);
    expect(out).toContain('Stopping the old web containers first');
    expect(out).toContain('Not checking web.1 (checks disabled)');
    expect(out).not.toContain('web check');
    expect(out.indexOf('Stopping the old web containers first')).toBeLessThan(out.indexOf('Starting web.1'));
    const after = await processes('sample');
    expect(Object.keys(after)).toEqual(['web.1']);
    expect(after['web.1']).not.toBe(before);
    await daemon.paasOk(['checks:enable', 'sample']);
    expect(await daemon.paasOk(['checks:report', 'sample'])).toMatch(/Checks disabled list: +none/);
  });

  it('checks:skip gives new containers traffic unchecked, and old ones still retire after the switch', async () => {
    await daemon.paasOk(['checks:skip', 'sample']);
    const out = await daemon.paasOk(['deploy', 'sample', '--force']);
    expect(out).toContain('Not checking web.1 (checks skipped)');
    expect(out).not.toContain('web check');
    expect(out).toMatch(/Retiring 1 old container in 5 s/);
    // Enabling one type of "all": the app's other types stay skipped.
    await daemon.paasOk(['checks:enable', 'sample', 'web']);
    expect(await daemon.paasOk(['checks:report', 'sample', '--checks-skipped-list'])).toBe('worker,cron,custom\n');
    await daemon.paasOk(['checks:enable', 'sample']);
    expect(await daemon.paasOk(['checks:report', 'sample', '--checks-skipped-list'])).toBe('none\n');
  });

  it('wait-to-retire keeps the old containers running that long after the switch', async () => {
    await until('one web container', async () => (await containerIds('sample')).length === 1);
    const [old] = await containerIds('sample');
    await daemon.paasOk(['checks:set', 'sample', 'wait-to-retire', '20']);
    expect(await daemon.paasOk(['checks:report', 'sample', '--checks-computed-wait-to-retire'])).toBe('20\n');
    const out = await daemon.paasOk(['deploy', 'sample', '--force']);
    expect(out).toContain('Retiring 1 old container in 20 s');
    expect(await containerIds('sample')).toContain(old);
    await daemon.paasOk(['checks:set', 'sample', 'wait-to-retire', '0']);
    await daemon.paasOk(['deploy', 'sample', '--force']);
    expect((await daemon.paas(['checks:set', 'sample', 'wait-to-retire', 'soon'])).stderr).toContain(
      'wait-to-retire must be a whole number',
    );
  });

  it('checks:run runs the checks against the running containers', async () => {
    const out = await daemon.paasOk(['checks:run', 'sample']);
    expect(out).toContain('Running checks for app (sample.web.1)');
    expect(out).toContain('web check passed');
    const bad = await daemon.paas(['checks:run', 'sample', 'nope']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Invalid process type specified (sample.nope)');
    expect((await daemon.paas(['checks:run', 'sample', 'web.3'])).stderr).toContain('Invalid container id specified (sample.web.3)');
  });
});

describe('ps settings', () => {
  it('ps:set restart-policy and stop-timeout-seconds reach the containers from the next restart', async () => {
    await daemon.paasOk(['ps:set', 'sample', 'restart-policy', 'unless-stopped']);
    await daemon.paasOk(['ps:set', 'sample', 'stop-timeout-seconds', '3']);
    expect((await daemon.paas(['ps:set', 'sample', 'restart-policy', 'sometimes'])).stderr).toContain('invalid restart-policy');
    expect(await daemon.paasOk(['ps:report', 'sample', '--ps-computed-restart-policy'])).toBe('unless-stopped\n');
    await daemon.paasOk(['ps:restart', 'sample']);
    const settings = async (container: string) =>
      (await run('docker', ['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{.Config.StopTimeout}}', container])).stdout.trim();
    const all = await Promise.all((await containerIds('sample')).map(settings));
    expect(all).toContain('unless-stopped 3');
  });

  it('ps:inspect shows the containers with the config values redacted', async () => {
    const out = await daemon.paasOk(['ps:inspect', 'sample']);
    const infos = JSON.parse(out) as Array<{ Config: { Env: string[] } }>;
    expect(infos.length).toBeGreaterThan(0);
    expect(infos[0]!.Config.Env).toContain('SECRET_TOKEN=<redacted>');
    expect(out).not.toContain('s3cret');
  });
});

describe('scale before the first deploy, and app.json formation', () => {
  it('stores ps:scale before the first deploy and applies it', async () => {
    await daemon.paasOk(['apps:create', 'early']);
    expect(await daemon.paasOk(['ps:scale', 'early', 'worker=1'])).toContain('stored for the first deploy');
    const { push } = await pushSample('early');
    expect(push.code, push.stderr).toBe(0);
    expect(Object.keys(await processes('early')).sort()).toEqual(['web.1', 'worker.1']);
  });

  it('--skip-deploy stores the counts for the next deploy', async () => {
    const before = await processes('early');
    await daemon.paasOk(['ps:scale', '--skip-deploy', 'early', 'worker=0']);
    expect(await processes('early')).toEqual(before);
    await daemon.paasOk(['deploy', 'early']);
    await until('the old release retired', async () => Object.keys(await processes('early')).join() === 'web.1');
  });

  it('honours app.json formation quantities, and refuses ps:scale while it sets them', async () => {
    const { push } = await pushSample('formed', (dir) => {
      const file = join(dir, 'app.json');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          '"scripts"',
          '"formation": { "web": { "quantity": 2, "max_parallel": 1 }, "worker": { "quantity": 1 } },\n  "scripts"',
        ),
      );
    });
    expect(push.code, push.stderr).toBe(0);
    expect(Object.keys(await processes('formed')).sort()).toEqual(['web.1', 'web.2', 'worker.1']);
    const refused = await daemon.paas(['ps:scale', 'formed', 'worker=3']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('app.json "formation" sets its process counts');
  });

  it('reads the Procfile and app.json from the paths ps:set and app-json:set name', async () => {
    await daemon.paasOk(['apps:create', 'moved']);
    await daemon.paasOk(['ps:set', 'moved', 'procfile-path', 'deploy/Procfile']);
    await daemon.paasOk(['app-json:set', 'moved', 'appjson-path', 'deploy/app.json']);
    expect(await daemon.paasOk(['app-json:report', 'moved'])).toMatch(/App json computed appjson path: +deploy\/app\.json/);
    expect((await daemon.paas(['app-json:set', 'moved', 'appjson-path', '/etc/passwd'])).stderr).toContain('invalid appjson-path');
    const { push } = await pushSample('moved', (dir) => {
      mkdirSync(join(dir, 'deploy'));
      renameSync(join(dir, 'app.json'), join(dir, 'deploy/app.json'));
      writeFileSync(join(dir, 'deploy/Procfile'), 'web: httpd -f -p $PORT -h /app/www\nother: sleep 1000\n');
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('Running predeploy');
    expect(await daemon.paasOk(['ps:scale', 'moved'])).toMatch(/web: 1\nother: 0\n/);
  });
});

describe('app.json onFailure', () => {
  it("runs the failed check's onFailure command in a container of the app, and never posts to a private address", async () => {
    const { push } = await pushSample('hooked', (dir) => {
      const file = join(dir, 'app.json');
      const check =
        '{ "type": "startup", "name": "missing page", "path": "/nope", "attempts": 1, "wait": 0, ' +
        '"onFailure": { "command": ["/bin/sh", "-c", "echo hook for $PAAS_CHECK_NAME in $DYNO"], "url": "http://127.0.0.1:9/hook" } }';
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\{ "type": "startup", "name": "web check"[^}]*\}/, check));
    });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('onFailure: hook for missing page in web.1');
    expect(push.stderr).toContain('onFailure command exited with code 0');
    expect(push.stderr).toContain('onFailure url http://127.0.0.1:9/hook: not posted: 127.0.0.1 is a private or loopback address');
    expect(push.stderr).toContain('web.1 failed its check "missing page"');
  });
});

describe('app.json cron tasks', () => {
  type Listed = { id: string; command: string; last_run: { exit_code: number; output: string } | null };
  const listed = async () => JSON.parse(await daemon.paasOk(['cron:list', 'timed', '--format', 'json'])) as Listed[];

  it('runs each task on its schedule in a one-off container and reports the exit code of the last run', async () => {
    const { push } = await pushSample('timed', (dir) => {
      const file = join(dir, 'app.json');
      const cron =
        '"cron": [\n    { "command": "echo cron ran as $DYNO", "schedule": "* * * * *" },\n' +
        '    { "command": "echo failing on purpose; exit 3", "schedule": "* * * * *" },\n  ],\n  "scripts"';
      writeFileSync(file, readFileSync(file, 'utf8').replace('"scripts"', cron));
    });
    expect(push.code, push.stderr).toBe(0);
    expect(await daemon.paasOk(['cron:report', 'timed', '--cron-task-count'])).toBe('2\n');
    expect(await daemon.paasOk(['cron:list', 'timed'])).toMatch(/ID +Schedule +Command +Maintenance +Last run\n/);
    // Every minute: the first runs start within 60 s of the deploy.
    await until('both tasks ran', async () => (await listed()).every((task) => task.last_run !== null), 150_000);
    const [ok, failing] = await listed();
    expect(ok!.last_run).toMatchObject({ exit_code: 0, output: 'cron ran as cron.1\n' });
    expect(failing!.last_run).toMatchObject({ exit_code: 3, output: 'failing on purpose\n' });
    expect(await daemon.paasOk(['cron:list', 'timed'])).toMatch(/echo failing on purpose; exit 3 +false +exit 3 at /);
    const log = readFileSync(join(daemon.home, 'logs', 'paasd.log'), 'utf8');
    expect(log).toMatch(/"exitCode":3.*"msg":"cron task failed"|"msg":"cron task failed".*"exitCode":3/);
  });

  it('cron:run runs a task now, passing its output and exit code through', async () => {
    const [, failing] = await listed();
    const result = await daemon.paas(['cron:run', 'timed', failing!.id]);
    expect(result).toMatchObject({ code: 3, stdout: 'failing on purpose\n' });
    expect((await daemon.paas(['cron:run', 'timed', 'nope'])).stderr).toContain('timed has no cron task "nope"');
  });

  it('cron:suspend and cron:resume one task; cron:list shows it in the Maintenance column', async () => {
    const [ok, failing] = await listed();
    expect(await daemon.paasOk(['cron:suspend', 'timed', ok!.id])).toContain(`Suspended cron task ${ok!.id} of timed`);
    const table = await daemon.paasOk(['cron:list', 'timed']);
    expect(table).toMatch(/echo cron ran as \$DYNO +true \(task\) /);
    expect(table).toMatch(/exit 3 +false +/);
    expect(JSON.parse(await daemon.paasOk(['cron:report', 'timed', '--format', 'json']))[`maintenance-${ok!.id}`]).toBe('true');
    await daemon.paasOk(['cron:resume', 'timed', ok!.id]);
    expect(await daemon.paasOk(['cron:list', 'timed'])).toMatch(/echo cron ran as \$DYNO +false +/);
    expect((await daemon.paas(['cron:suspend', 'timed', 'nope'])).stderr).toContain('timed has no cron task "nope"');
    expect(failing).toBeDefined();
  });

  it('cron:set maintenance true stops the schedule', async () => {
    await daemon.paasOk(['cron:set', 'timed', 'maintenance', 'true']);
    expect(await daemon.paasOk(['cron:report', 'timed', '--cron-computed-maintenance'])).toBe('true\n');
    expect(await daemon.paasOk(['cron:list', 'timed'])).toMatch(/echo cron ran as \$DYNO +true \(app\) /);
    expect((await daemon.paas(['cron:set', 'timed', 'maintenance', 'maybe'])).stderr).toContain('maintenance must be true or false');
  });

  it('does not start a task again while its last run still goes on', async () => {
    const { push } = await pushSample('overlap', (dir) => {
      const file = join(dir, 'app.json');
      const cron = '"cron": [ { "command": "echo overlap run; sleep 150", "schedule": "* * * * *" } ],\n  "scripts"';
      writeFileSync(file, readFileSync(file, 'utf8').replace('"scripts"', cron));
    });
    expect(push.code, push.stderr).toBe(0);
    const [task] = JSON.parse(await daemon.paasOk(['cron:list', 'overlap', '--format', 'json'])) as Listed[];
    // Started by hand now, or by the schedule if a minute just began: either way one run goes on.
    const started = await daemon.paas(['cron:run', 'overlap', task!.id, '--detach']);
    if (started.code !== 0) expect(started.stderr).toContain('is running already');
    const skipped = () =>
      readFileSync(join(daemon.home, 'logs', 'paasd.log'), 'utf8')
        .split('\n')
        .some((line) => line.includes('this run is skipped') && line.includes(task!.id));
    await until('a scheduled run skipped', async () => skipped(), 150_000);
    const runs = await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=paas.instance=${instance}`,
      '--filter',
      `label=paas.cron-id=${task!.id}`,
    ]);
    expect(runs.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(await daemon.paasOk(['cron:list', 'overlap', '--format', 'json']))[0]).toMatchObject({ running: true });
    await daemon.paasOk(['cron:set', 'overlap', 'maintenance', 'true']);
    await daemon.paasOk(['run:stop', 'overlap']);
  });
});

describe('one-off containers', () => {
  it('run --env adds variables, and a Procfile type name runs its command', async () => {
    expect(await daemon.paasOk(['run', '--env', 'A=1', '-e', 'B=two words', 'sample', 'echo "$A $B"'])).toBe('1 two words\n');
    expect((await daemon.paas(['run', '--env', 'oops', 'sample', 'true'])).stderr).toContain('--env "oops" is not KEY=VALUE');
    expect(await daemon.paas(['run', '--no-tty', 'sample', 'custom'])).toMatchObject({ code: 0, stdout: '' });
  });

  it('run:list, run:logs and run:stop see the detached ones', async () => {
    const name = (await daemon.paasOk(['run:detached', 'sample', 'echo started; sleep 300'])).trim();
    await until('its output', async () => (await daemon.paasOk(['run:logs', 'sample', name])).includes('started'));
    const listed = JSON.parse(await daemon.paasOk(['run:list', 'sample', '--format', 'json'])) as Array<{ name: string; state: string }>;
    expect(listed).toContainEqual(expect.objectContaining({ name, state: 'running' }));
    expect(await daemon.paasOk(['run:stop', 'sample', name])).toBe(`${name}\n`);
    expect((await daemon.paas(['run:logs', 'sample', 'nope-nope'])).stderr).toContain('sample has no one-off container "nope-nope"');
  });

  it('--ttl-seconds stops a run that goes on too long, attached or detached', async () => {
    const attached = await daemon.paas(['run', '--ttl-seconds', '2', 'sample', 'echo begun; sleep 60; echo never']);
    expect(attached.stdout).toBe('begun\n');
    expect(attached.code).not.toBe(0);
    const name = (await daemon.paasOk(['run:detached', '--ttl-seconds', '1', 'sample', 'sleep 300'])).trim();
    const names = async () =>
      (JSON.parse(await daemon.paasOk(['run:list', 'sample', '--format', 'json'])) as Array<{ name: string }>).map((c) => c.name);
    expect(await names()).toContain(name);
    // The daemon stops expired one-off containers every 30 s.
    await until('the detached run stopped', async () => !(await names()).includes(name), 90_000);
    expect((await daemon.paas(['run', '--ttl-seconds', 'soon', 'sample', 'true'])).stderr).toContain(
      '--ttl-seconds must be a whole number',
    );
  });
});

describe('every app at once: ps:stop, ps:start and ps:restart --all [--parallel N]', () => {
  it('stops every app, starts them again in parallel, and restarts them', async () => {
    expect((await daemon.paas(['ps:restart', '--all', 'sample'])).stderr).toContain('give an APP or --all, not both');
    expect((await daemon.paas(['ps:start', '--all', '--parallel', 'lots'])).stderr).toContain('--parallel must be a whole number');
    expect((await daemon.paas(['ps:stop', 'sample', '--parallel', '2'])).stderr).toContain('--parallel goes with --all');
    const stopped = await daemon.paasOk(['ps:stop', '--all', '--parallel', '4']);
    expect(stopped).toContain('Stopped sample');
    expect(stopped).toContain('Stopped early');
    await until('no process containers', async () => (await containerIds('sample')).length + (await containerIds('early')).length === 0);
    expect(await daemon.paasOk(['ps:report', 'early', '--status'])).toBe('stopped\n');
    const started = await daemon.paasOk(['ps:start', '--all', '--parallel', '-1']);
    expect(started).toContain('Started sample');
    expect(started).toContain('Started early');
    expect(Object.keys(await processes('sample'))).toContain('web.1');
    const before = await processes('early');
    const restarted = await daemon.paasOk(['ps:restart', '--all', '--parallel', '2']);
    expect(restarted).toContain('Restarting early');
    expect(restarted).toContain('Restarting sample');
    // The old container retires 5 s after the switch.
    await until('early web.1 replaced', async () => {
      const ids = await containerIds('early');
      return ids.length === 1 && ids[0] !== before['web.1'];
    });
  });
});

describe('ps:set restore false', () => {
  it('keeps the app down after a reboot, and ps:restore skips it', async () => {
    expect(await daemon.paasOk(['ps:report', 'early', '--restore'])).toBe('true\n');
    await daemon.paasOk(['ps:set', 'early', 'restore', 'false']);
    expect(await daemon.paasOk(['ps:report', 'early', '--restore'])).toBe('false\n');
    expect((await daemon.paas(['ps:set', 'early', 'restore', 'maybe'])).stderr).toContain('restore must be true or false');
    expect(await daemon.paasOk(['ps:restore', 'early'])).toContain('Skipping early: its restore property is false');
    // A reboot, as the daemon sees it: it starts and finds the apps' containers stopped.
    await daemon.stop();
    const down = [...(await containerIds('early')), ...(await containerIds('sample'))];
    await run('docker', ['stop', '-t', '1', ...down]);
    await daemon.start();
    expect(await daemon.paasOk(['ps:report', 'early', '--status'])).toBe('stopped\n');
    expect(await containerIds('early')).toEqual([]);
    await until('sample restored', async () => Object.keys(await processes('sample')).includes('web.1'));
    await daemon.paasOk(['ps:start', 'early']);
    expect(Object.keys(await processes('early'))).toContain('web.1');
    await daemon.paasOk(['ps:set', 'early', 'restore']);
    expect(await daemon.paasOk(['ps:report', 'early', '--restore'])).toBe('true\n');
  });
});
