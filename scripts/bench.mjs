#!/usr/bin/env node
// npm run bench: how much paas adds on top of doing the same work by hand, measured in one run.
//   1. push-to-first-200: `git push` of a sample Dockerfile app until it answers 200, against
//      the floor of `docker build` + `docker run` + first 200 by hand;
//   2. a redeploy of the unchanged tree (`paas deploy`);
//   3. `config:set` until the new value is visible to the app.
// Needs a running Docker Engine and a build (npm run build). Prints a table; asserts nothing.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BASE = 'paas-test/busybox:1';
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((res) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

async function first200(url, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return await res.text();
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    await sleep(25);
  }
}

function ensureBaseImage() {
  try {
    sh('docker', ['image', 'inspect', BASE]);
    return;
  } catch {}
  const dir = mkdtempSync(join(tmpdir(), 'paas-bench-base-'));
  cpSync('/bin/busybox', join(dir, 'busybox'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n');
  sh('docker', ['build', '-q', '-t', BASE, dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** The hello sample app with a unique file, so neither side gets a warm build cache. */
function sampleApp(label) {
  const dir = mkdtempSync(join(tmpdir(), `paas-bench-${label}-`));
  cpSync(join(ROOT, 'test/fixtures/apps/hello'), dir, { recursive: true });
  writeFileSync(join(dir, 'www', 'bust.txt'), `${label} ${Date.now()} ${Math.random()}\n`);
  return dir;
}

async function floor() {
  const dir = sampleApp('floor');
  const tag = `paas-bench-floor:${Date.now()}`;
  const port = await freePort();
  const start = now();
  sh('docker', ['build', '-q', '-t', tag, dir]);
  const id = sh('docker', ['run', '-d', '-e', 'PORT=5000', '-p', `127.0.0.1:${port}:5000`, tag]).trim();
  await first200(`http://127.0.0.1:${port}/`);
  const elapsed = now() - start;
  sh('docker', ['rm', '-f', id]);
  sh('docker', ['rmi', '-f', tag]);
  rmSync(dir, { recursive: true, force: true });
  return elapsed;
}

async function startDaemon() {
  const home = mkdtempSync(join(tmpdir(), 'paas-bench-home-'));
  const env = {
    ...process.env,
    PAAS_HOME: home,
    PAAS_API_PORT: String(await freePort()),
    PAAS_SSH_PORT: '0',
    PAAS_HTTP_PORT: String(await freePort()),
    PAAS_HTTPS_PORT: String(await freePort()),
    PAAS_LISTEN: '127.0.0.1',
  };
  const child = spawn(process.execPath, [join(ROOT, 'bin/paas'), 'daemon'], { env, stdio: 'ignore' });
  const paas = (...args) => sh(process.execPath, [join(ROOT, 'bin/paas'), ...args], { env });
  for (let i = 0; ; i++) {
    try {
      paas('version');
      break;
    } catch {
      if (i > 100) throw new Error('the daemon did not start');
      await sleep(100);
    }
  }
  return { home, env, paas, child };
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build');
  ensureBaseImage();
  const daemon = await startDaemon();
  const results = [];
  try {
    const floorMs = await floor();
    const token = daemon.paas('tokens:create', 'bench').trim();
    const apiPort = daemon.env.PAAS_API_PORT;
    const dir = sampleApp('paas');
    const git = (...args) => sh('git', ['-c', 'user.email=bench@paas', '-c', 'user.name=bench', ...args], { cwd: dir });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'bench');

    let start = now();
    git('push', '-q', `http://paas:${token}@127.0.0.1:${apiPort}/bench.git`, 'main');
    const url = daemon.paas('urls', 'bench').trim().split('\n')[0];
    await first200(url);
    const pushMs = now() - start;

    start = now();
    daemon.paas('deploy', 'bench');
    await first200(daemon.paas('urls', 'bench').trim().split('\n')[0]);
    const redeployMs = now() - start;

    start = now();
    daemon.paas('config:set', 'bench', 'BENCH_VALUE=visible');
    const body = await first200(`${daemon.paas('urls', 'bench').trim().split('\n')[0]}/cgi-bin/env`);
    const configMs = now() - start;
    if (!body.includes('BENCH_VALUE=visible')) throw new Error('config:set was not visible after it returned');

    results.push(['floor: docker build + docker run + first 200', floorMs, 1]);
    results.push(['git push to first 200 (first deploy)', pushMs, pushMs / floorMs]);
    results.push(['redeploy of the unchanged tree (paas deploy)', redeployMs, redeployMs / floorMs]);
    results.push(['config:set until the app sees the value', configMs, configMs / floorMs]);
    daemon.paas('apps:destroy', 'bench', '--force');
    rmSync(dir, { recursive: true, force: true });
  } finally {
    daemon.child.kill('SIGTERM');
    await sleep(500);
    const instance = readFileSync(join(daemon.home, 'instance-id'), 'utf8').trim();
    for (const kind of [['ps', '-aq'], ['images', '-q']]) {
      const ids = sh('docker', [...kind, '--filter', `label=paas.instance=${instance}`]).split('\n').filter(Boolean);
      if (ids.length) sh('docker', [kind[0] === 'ps' ? 'rm' : 'rmi', '-f', ...new Set(ids)]);
    }
    try {
      sh('docker', ['network', 'rm', `paas-${instance}`]);
    } catch {}
    const pid = join(daemon.home, 'nginx', 'nginx.pid');
    if (existsSync(pid)) {
      try {
        process.kill(Number(readFileSync(pid, 'utf8').trim()), 'SIGQUIT');
      } catch {}
    }
    rmSync(daemon.home, { recursive: true, force: true });
  }
  const width = Math.max(...results.map(([name]) => name.length));
  console.log(`${'measure'.padEnd(width)}  ${'seconds'.padStart(8)}  ${'x floor'.padStart(8)}`);
  for (const [name, ms, ratio] of results) {
    console.log(`${name.padEnd(width)}  ${(ms / 1000).toFixed(2).padStart(8)}  ${ratio.toFixed(2).padStart(8)}`);
  }
}

await main();
