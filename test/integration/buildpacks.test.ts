import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStackImages } from '../../src/build/buildpacks/stack.js';
import { TEST_LOCK_DIR } from '../fixtures/images.js';
import { appWorkTree, httpGet, removeDockerObjects, run, startDaemon, type DaemonHandle, type RunResult } from './harness.js';

/**
 * Buildpack builds, end to end: real pushes over HTTP to a real daemon, built on the stack images
 * made from Debian packages (the first run on a server makes them: a few minutes).
 */

const docker = new Docker();
/** Work trees and buildpacks this file made in the temp dir. */
const temporary: string[] = [];
let daemon: DaemonHandle;
let token: string;
let remote: (app: string) => string;

beforeAll(async () => {
  const started = Date.now();
  const images = await ensureStackImages(
    docker,
    (line) => {
      if (/^(Making|Building|No registry|Importing|Stack images|Waiting|Cannot pull)/.test(line)) console.log(`[stack] ${line}`);
    },
    TEST_LOCK_DIR,
  );
  console.log(`[stack] ${images.build} and ${images.run} ready after ${Math.round((Date.now() - started) / 1000)} s`);
  daemon = await startDaemon();
  token = (await daemon.paasOk(['tokens:create', 'pusher'])).trim();
  remote = (app) => `http://paas:${token}@127.0.0.1:${daemon.apiPort}/${app}.git`;
}, 900_000);

afterAll(async () => {
  if (!daemon) return;
  const instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
  await daemon.stop();
  await removeDockerObjects(daemon.home);
  const { Volumes } = await docker.listVolumes({ filters: { label: [`paas.instance=${instance}`] } });
  for (const volume of Volumes ?? [])
    await docker
      .getVolume(volume.Name)
      .remove()
      .catch(() => undefined);
  await daemon.destroy();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

async function workTree(fixture: string): ReturnType<typeof appWorkTree> {
  const tree = await appWorkTree(fixture);
  temporary.push(tree.dir);
  return tree;
}

interface Push extends RunResult {
  seconds: number;
  /** From "Buildpack build finished in N s". */
  buildSeconds: number | undefined;
}

async function push(tree: { git(...args: string[]): Promise<RunResult> }, app: string): Promise<Push> {
  const started = Date.now();
  const result = await tree.git('push', remote(app), 'main');
  const build = /Buildpack build finished in ([\d.]+) s/.exec(result.stderr)?.[1];
  return { ...result, seconds: (Date.now() - started) / 1000, buildSeconds: build === undefined ? undefined : Number(build) };
}

async function urlOf(app: string): Promise<string> {
  return (await daemon.paasOk(['urls', app])).trim().split('\n')[0]!;
}

/** Running process containers of an app of this daemon, by their paas.process label. */
async function runningTypes(app: string): Promise<string[]> {
  const instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
  const labels = [`paas.instance=${instance}`, `paas.app=${app}`];
  const containers = await docker.listContainers({ filters: { label: labels, status: ['running'] } });
  return containers.map((c) => c.Labels['paas.process'] ?? '?').sort();
}

async function commitChange(tree: { dir: string; git(...args: string[]): Promise<RunResult> }, file: string, from: string, to: string) {
  const path = join(tree.dir, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
  await tree.git('commit', '-qam', `change ${file}`);
}

describe('a Node.js app with package.json, server.js and a Procfile', () => {
  let tree: Awaited<ReturnType<typeof appWorkTree>>;
  let first: Push;

  it('builds with the Node.js buildpack, serves, and runs web (and worker once scaled)', async () => {
    tree = await workTree('buildpack-node');
    first = await push(tree, 'node-app');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/remote: -----> Building node-app with buildpacks/);
    expect(first.stderr).toMatch(/remote: -----> Node\.js app detected/);
    expect(first.stderr).toMatch(/remote: -----> Using node v18\.\d+\.\d+ and npm [\d.]+ from the stack/);
    expect(first.stderr).toMatch(/remote: +Procfile declares types -> web, worker/);
    expect((await httpGet(await urlOf('node-app'))).body).toMatch(/^hello from node v18\.\d+\.\d+ v1 as 1000 env=production\n$/);

    expect(await runningTypes('node-app')).toEqual(['web']);
    await daemon.paasOk(['ps:scale', 'node-app', 'worker=1']);
    expect(await runningTypes('node-app')).toEqual(['web', 'worker']);
    const report = await daemon.paasOk(['ps:report', 'node-app']);
    expect(report).toMatch(/Status web 1: +running/);
    expect(report).toMatch(/Status worker 1: +running/);
  });

  it('runs Procfile commands through bash: quotes, && and pipes work', async () => {
    const instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
    const labels = [`paas.instance=${instance}`, 'paas.app=node-app', 'paas.process=worker'];
    const [worker] = await docker.listContainers({ filters: { label: labels } });
    let logs = '';
    for (let i = 0; i < 20 && !logs.includes('working'); i++) {
      logs = (await run('docker', ['logs', worker!.Id])).stdout;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(logs).toContain("WORKER STARTED WITH 'QUOTES' && PIPES\nworking\n");
  });

  it('reuses the build cache on the next push, which is faster', async () => {
    await commitChange(tree, 'server.js', "const version = '1'", "const version = '2'");
    const second = await push(tree, 'node-app');
    expect(second.code, second.stderr).toBe(0);
    console.log(
      `[node-app] first push ${first.seconds.toFixed(1)} s (build ${first.buildSeconds} s), ` +
        `second push ${second.seconds.toFixed(1)} s (build ${second.buildSeconds} s)`,
    );
    expect(first.stderr).toMatch(/-----> Installing dependencies: npm install/);
    expect(second.stderr).toMatch(/-----> Restoring node_modules from the build cache \(package\.json unchanged\)/);
    expect(second.stderr).not.toMatch(/Installing dependencies/);
    expect(second.buildSeconds!).toBeLessThan(first.buildSeconds!);
    expect((await httpGet(await urlOf('node-app'))).body).toMatch(/ v2 as 1000/);
  });

  it('deletes the cache with repo:purge-cache, and installs afresh after', async () => {
    const volume = (await daemon.paasOk(['buildpacks:report', 'node-app', '--format', 'json'])).match(/paas-cache-[a-z0-9]+-\d+/)![0];
    expect((await run('docker', ['volume', 'inspect', volume])).code).toBe(0);
    expect(await daemon.paasOk(['repo:purge-cache', 'node-app'])).toContain('Build cache of node-app deleted');
    expect((await run('docker', ['volume', 'inspect', volume])).code).not.toBe(0);
    expect(await daemon.paasOk(['repo:purge-cache', 'node-app'])).toContain('node-app has no build cache');
    await commitChange(tree, 'server.js', "const version = '2'", "const version = '3'");
    const third = await push(tree, 'node-app');
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/-----> Installing dependencies: npm install/);
  });
});

describe('a Python app from its bare sources', () => {
  it('builds a virtualenv with the stack python and serves', async () => {
    const tree = await workTree('buildpack-python');
    const first = await push(tree, 'py-app');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/remote: -----> Python app detected/);
    expect(first.stderr).toMatch(/remote: -----> Using python 3\.11\.\d+ from the stack/);
    expect(first.stderr).toMatch(/remote: -----> Creating a virtualenv in \/app\/\.venv/);
    expect((await httpGet(await urlOf('py-app'))).body).toMatch(/^hello from python 3\.11\.\d+ in \/app\/\.venv\n$/);

    await commitChange(tree, 'app.py', 'hello from python', 'hello again from python');
    const second = await push(tree, 'py-app');
    expect(second.code, second.stderr).toBe(0);
    console.log(
      `[py-app] first push ${first.seconds.toFixed(1)} s (build ${first.buildSeconds} s), ` +
        `second push ${second.seconds.toFixed(1)} s (build ${second.buildSeconds} s)`,
    );
    expect(second.stderr).toMatch(/-----> Restoring the virtualenv from the build cache \(requirements unchanged\)/);
    expect(second.buildSeconds!).toBeLessThan(first.buildSeconds! * 0.8);
    expect((await httpGet(await urlOf('py-app'))).body).toMatch(/^hello again from python/);
  });
});

describe('a static site from its bare sources', () => {
  it('is served by nginx on $PORT', async () => {
    const tree = await workTree('buildpack-static');
    const result = await push(tree, 'site');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/remote: -----> Static site app detected/);
    expect(result.stderr).toMatch(/remote: -----> Serving \/app with nginx [\d.]+ on \$PORT/);
    expect(result.stderr).toMatch(/remote: +Default types for buildpack -> web/);
    const page = await httpGet(await urlOf('site'));
    expect(page.status).toBe(200);
    expect(page.body).toContain('hello from a static site');
  });
});

describe('choosing buildpacks', () => {
  it('runs the local git buildpack named in .buildpacks instead of detection', async () => {
    const buildpack = mkdtempSync(join(tmpdir(), 'paas-buildpack-'));
    temporary.push(buildpack);
    mkdirSync(join(buildpack, 'bin'));
    const script = (name: string, body: string) => {
      writeFileSync(join(buildpack, 'bin', name), `#!/usr/bin/env bash\n${body}`);
      chmodSync(join(buildpack, 'bin', name), 0o755);
    };
    script('detect', 'echo "Homemade"\n');
    script(
      'compile',
      'echo "-----> homemade buildpack compiling as uid $(id -u)"\necho "built by the homemade buildpack" > "$1/built.txt"\n',
    );
    script(
      'release',
      'cat <<\'YAML\'\n---\nconfig_vars:\n  GREETING: "hi from bin/release"\ndefault_process_types:\n' +
        '  web: echo "$GREETING" > greeting.txt && exec python3 -m http.server "$PORT"\nYAML\n',
    );
    const git = (...args: string[]) => run('git', ['-c', 'user.email=t@paas.test', '-c', 'user.name=t', ...args], { cwd: buildpack });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-qm', 'homemade buildpack');

    // index.html alone would be detected as a static site; .buildpacks says otherwise.
    const tree = await workTree('buildpack-static');
    writeFileSync(join(tree.dir, '.buildpacks'), `# our own\nfile://${buildpack}#main\n`);
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'use the homemade buildpack');

    // Over HTTP (a token holder), a server folder is refused in every form: .buildpacks,
    // buildpacks:add, BUILDPACK_URL; so is a loopback git URL, and opening that up.
    const refused = await push(tree, 'homemade');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `.buildpacks line 2: buildpack "file://${buildpack}#main" is a folder on the server, which only the paas command on the server may use`,
    );
    expect(refused.stderr).toContain('[remote rejected] main -> main (pre-receive hook declined)');
    const remoteCli = { env: { PAAS_API_URL: `http://127.0.0.1:${daemon.apiPort}`, PAAS_API_TOKEN: token } };
    const attempts: Array<[string[], RegExp]> = [
      [['buildpacks:add', 'homemade', buildpack], /is a folder on the server, which only the paas command on the server may use/],
      [['buildpacks:set', 'homemade', `file://${buildpack}`], /is a folder on the server/],
      [['config:set', 'homemade', `BUILDPACK_URL=${buildpack}`], /^error: BUILDPACK_URL: buildpack ".*" is a folder on the server/],
      [
        ['buildpacks:add', 'homemade', `https://127.0.0.1:${daemon.apiPort}/homemade.git`],
        /a private or loopback address; to allow such URLs, run on the server: paas buildpacks:set-property --global allow-private-urls true/,
      ],
      [['buildpacks:add', 'homemade', 'ext::sh -c id'], /invalid buildpack/],
      [['buildpacks:set-property', '--global', 'allow-private-urls', 'true'], /can only be changed with the paas command on the server/],
    ];
    for (const [args, message] of attempts) {
      const result = await daemon.paas(args, remoteCli);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await daemon.paasOk(['buildpacks:list', 'homemade', '--format', 'json'])).toBe('[]\n');
    expect((await daemon.paas(['config:get', 'homemade', 'BUILDPACK_URL'])).code).not.toBe(0);

    // Root pushing on the server itself, through the repo's path, may name server folders.
    const local = await run('git', ['push', join(daemon.home, 'repos', 'homemade.git'), 'main'], { cwd: tree.dir, env: daemon.env });
    const result = { ...local, stderr: local.stderr.replace(/^remote: /gm, '') };
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Buildpacks from .buildpacks: file://${buildpack}#main`);
    expect(result.stderr).toMatch(/-----> Homemade app detected \(buildpack file:\/\/\S+#main \([0-9a-f]{7}\)\)/);
    expect(result.stderr).toMatch(/-----> homemade buildpack compiling as uid 1000/);
    expect(result.stderr).not.toContain('Static site app detected');
    const url = await urlOf('homemade');
    expect((await httpGet(`${url}/built.txt`)).body).toBe('built by the homemade buildpack\n');
    expect((await httpGet(`${url}/greeting.txt`)).body).toBe('hi from bin/release\n');
  });

  it('fails a push no buildpack detects, listing what it looked for', async () => {
    const tree = await workTree('buildpack-none');
    const result = await push(tree, 'mystery');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'remote: error: no buildpack detected this app; looked for: package.json (paas/nodejs); ' +
        'requirements.txt, pyproject.toml or setup.py (paas/python); index.html or public/index.html (paas/static); ' +
        'a Procfile (paas/procfile). Add one of these, or choose a buildpack with: paas buildpacks:add mystery URL',
    );
    expect(result.stderr).toContain('pre-receive hook declined');
  });

  it('builds a subfolder with builder:set build-dir, and says what to do when node is too old', async () => {
    const tree = await workTree('buildpack-node');
    const { renameSync } = await import('node:fs');
    mkdirSync(join(tree.dir, 'services'));
    renameSync(join(tree.dir, 'package.json'), join(tree.dir, 'services', 'package.json'));
    renameSync(join(tree.dir, 'server.js'), join(tree.dir, 'services', 'server.js'));
    renameSync(join(tree.dir, 'Procfile'), join(tree.dir, 'services', 'Procfile'));
    await tree.git('add', '-A');
    await tree.git('commit', '-qm', 'monorepo');
    await daemon.paasOk(['apps:create', 'mono']);
    await daemon.paasOk(['builder:set', 'mono', 'build-dir', 'services']);
    await daemon.paasOk(['resource:limit', 'mono', '--process-type', 'build', '--memory', '1g', '--cpu', '1']);
    expect(await daemon.paasOk(['resource:report', 'mono'])).toMatch(/Resource build cpu limit: +1\n +Resource build memory limit: +1g\n/);

    await commitChange(tree, 'services/package.json', '">=18"', '"20.x"');
    const tooNew = await push(tree, 'mono');
    expect(tooNew.code).not.toBe(0);
    expect(tooNew.stderr).toMatch(
      /remote: error: build failed: package\.json asks for Node\.js "20\.x" \(engines\.node\) but this stack has only node v18\.\d+\.\d+: .*paas buildpacks:set-property mono stack IMAGE/,
    );

    await commitChange(tree, 'services/package.json', '"20.x"', '">=18"');
    const built = await push(tree, 'mono');
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('Building mono with buildpacks from services/');
    expect(await runningTypes('mono')).toEqual(['web']);
  });

  it('keeps an app buildpack list that wins over .buildpacks', async () => {
    expect(await daemon.paasOk(['buildpacks:add', 'homemade', 'paas/static'])).toContain('paas/static');
    expect(await daemon.paasOk(['buildpacks:list', 'homemade', '--format', 'json'])).toBe('[\n  "paas/static"\n]\n');
    const report = await daemon.paasOk(['buildpacks:report', 'homemade']);
    expect(report).toMatch(/Buildpacks list: +paas\/static/);
    expect(report).toMatch(/Buildpacks computed stack: +paas\/stack-build:bookworm\n/);
    await daemon
      .paasOk(['deploy', 'homemade'])
      .then((out) => expect(out).toMatch(/Buildpacks from buildpacks:add: paas\/static[\s\S]*Static site app detected/));
    const bad = await daemon.paas(['buildpacks:add', 'homemade', 'heroku/ruby']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(
      /no built-in buildpack for "heroku\/ruby"; give its git URL instead.*\(built-in: paas\/nodejs, paas\/python, paas\/static, paas\/procfile\)/,
    );
    await daemon.paasOk(['buildpacks:clear', 'homemade']);
  });
});
