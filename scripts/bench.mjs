#!/usr/bin/env node
// npm run bench [-- --rounds N]: each target of issue 13 measured on this machine, side by side
// with the floor (the same work done by hand, or a bare Node), as medians of N rounds (default 5).
// Needs a running Docker Engine, nginx and a build (npm run build). Prints one table; asserts nothing.
//
//   push        git push of new content until nginx serves it (no app.json health check), against
//               docker build + docker run + first 200 of the same tree by hand
//   redeploy    paas deploy of the unchanged tree (the image is reused), against docker run + first 200
//   config:set  until the app (through nginx) answers with the new value, against docker run -e + first 200
//   scale       ps:scale web=1 -> web=4, and a deploy at web=4 against one at web=1
//   memory      daemon RSS 5 s after a start with 10 deployed apps, against a bare Node process
//   client      paas apps:list round trip, against node -e 0
//   100 apps    domains:add on one app (one nginx reload), daemon start, RSS, with 100 apps
//   dashboard   first load of the dashboard's apps page (HTML, JS, CSS, session, apps), and what the
//               daemon's RSS grows by once every dashboard page and API route was used
//               (`--only dashboard` measures only these, with 3 apps)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/paas');
const BASE = 'paas-test/busybox:1';
/** The flags scripts/install.sh starts the daemon with. */
const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1'];
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5;
const DOMAIN = 'bench.test';

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const log = (text) => process.stderr.write(`bench: ${text}\n`);

function freePort() {
  return new Promise((res) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

/** Whether a unix socket accepts a connection. */
function accepts(path) {
  return new Promise((res) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      res(true);
    });
    socket.once('error', () => res(false));
  });
}

/** GET with a Host header on a fresh connection; status 0 when nothing answers. */
function get(port, host, path = '/') {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false, timeout: 3000 }, (reply) => {
      let body = '';
      reply.setEncoding('utf8');
      reply.on('data', (chunk) => (body += chunk));
      reply.on('end', () => res({ status: reply.statusCode, body }));
      reply.on('error', () => res({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => res({ status: 0, body: '' }));
    req.end();
  });
}

/** Polls until `fetchOnce` answers 200 with `text` in the body; resolves with the time it did. */
async function until(fetchOnce, text, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await fetchOnce();
    if (reply.status === 200 && reply.body.includes(text)) return now();
    if (Date.now() > deadline) throw new Error(`never saw "${text}" (last: ${reply.status})`);
    await sleep(10);
  }
}

function ensureBaseImage() {
  try {
    sh('docker', ['image', 'inspect', BASE]);
    return;
  } catch {}
  const dir = mkdtempSync(join(tmpdir(), 'paas-bench-base-'));
  cpSync('/bin/busybox', join(dir, 'busybox'));
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n',
  );
  sh('docker', ['build', '-q', '-t', BASE, dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** The hello sample app (busybox httpd, no app.json) as a git work tree. */
function sampleApp(label) {
  const dir = mkdtempSync(join(tmpdir(), `paas-bench-${label}-`));
  cpSync(join(ROOT, 'test/fixtures/apps/hello'), dir, { recursive: true });
  const git = (...args) => sh('git', ['-c', 'user.email=bench@paas', '-c', 'user.name=bench', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'www', 'index.html'), `${label} start\n`);
  git('add', '-A');
  git('commit', '-qm', 'start');
  const change = (content) => {
    writeFileSync(join(dir, 'www', 'index.html'), `${content}\n`);
    git('commit', '-qam', content);
  };
  return { dir, git, change };
}

// ---------------------------------------------------------------- floors: the work done by hand

async function dockerRunTo200(image, env = []) {
  const port = await freePort();
  const start = now();
  const id = sh('docker', ['run', '-d', '-e', 'PORT=5000', ...env.flatMap((e) => ['-e', e]), '-p', `127.0.0.1:${port}:5000`, image]).trim();
  await until(() => get(port, 'localhost', '/cgi-bin/env'), env[0] ?? 'PORT=5000');
  const ms = now() - start;
  sh('docker', ['rm', '-f', id]);
  return ms;
}

async function floors() {
  const app = sampleApp('floor');
  const build = [];
  const run = [];
  const runEnv = [];
  for (let round = 0; round < ROUNDS; round++) {
    const content = `floor ${round} ${Date.now()}`;
    app.change(content);
    const tag = `paas-bench-floor:${round}`;
    const port = await freePort();
    const start = now();
    sh('docker', ['build', '-q', '-t', tag, app.dir]);
    const id = sh('docker', ['run', '-d', '-e', 'PORT=5000', '-p', `127.0.0.1:${port}:5000`, tag]).trim();
    await until(() => get(port, 'localhost'), content);
    build.push(now() - start);
    sh('docker', ['rm', '-f', id]);
    run.push(await dockerRunTo200(tag));
    runEnv.push(await dockerRunTo200(tag, [`BENCH_VALUE=${round}`]));
    sh('docker', ['rmi', '-f', tag]);
  }
  rmSync(app.dir, { recursive: true, force: true });
  return { build: median(build), run: median(run), runEnv: median(runEnv) };
}

function nodeFloor() {
  const times = [];
  for (let i = 0; i < 21; i++) {
    const start = now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(now() - start);
  }
  const child = spawnSync(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss), 2000)'], { encoding: 'utf8' });
  return { startMs: median(times), rssMb: Number(child.stdout) / 1048576 };
}

// ---------------------------------------------------------------- the daemon

async function daemon() {
  const home = mkdtempSync(join(tmpdir(), 'paas-bench-home-'));
  const env = {
    ...process.env,
    PAAS_HOME: home,
    PAAS_API_PORT: String(await freePort()),
    PAAS_SSH_PORT: String(await freePort()),
    PAAS_HTTP_PORT: String(await freePort()),
    PAAS_HTTPS_PORT: String(await freePort()),
    PAAS_LISTEN: '127.0.0.1',
  };
  const paas = (...args) => sh(process.execPath, [BIN, ...args], { env, cwd: home });
  const handle = {
    home,
    env,
    paas,
    child: undefined,
    httpPort: Number(env.PAAS_HTTP_PORT),
    /** Starts the daemon; resolves with the time until it answers a command. */
    async start() {
      const start = now();
      handle.child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, BIN, 'daemon'], { env, stdio: 'ignore' });
      // Polling with the CLI would take a core from the daemon: wait for its socket, then ask once.
      for (let i = 0; !(await accepts(join(home, 'paas.sock'))); i++) {
        if (i > 9000) throw new Error('the daemon did not start');
        await sleep(10);
      }
      paas('apps:list');
      return now() - start;
    },
    async stop() {
      const child = handle.child;
      if (!child || child.exitCode !== null) return;
      await new Promise((res) => {
        child.once('exit', res);
        child.kill('SIGTERM');
      });
    },
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${handle.child.pid}/status`, 'utf8'))[1]) / 1024,
    async destroy() {
      await handle.stop();
      const instance = readFileSync(join(home, 'instance-id'), 'utf8').trim();
      const label = `label=paas.instance=${instance}`;
      for (const [list, remove] of [
        [
          ['ps', '-aq'],
          ['rm', '-f'],
        ],
        [
          ['images', '-q'],
          ['rmi', '-f'],
        ],
        [
          ['volume', 'ls', '-q'],
          ['volume', 'rm', '-f'],
        ],
      ]) {
        const ids = sh('docker', [...list, '--filter', label])
          .split('\n')
          .filter(Boolean);
        if (list[0] === 'images')
          ids.push(
            ...sh('docker', ['images', '-q', '--filter', `reference=paas-${instance}/*`])
              .split('\n')
              .filter(Boolean),
          );
        if (ids.length) spawnSync('docker', [...remove, ...new Set(ids)]);
      }
      spawnSync('docker', ['network', 'rm', `paas-${instance}`]);
      for (const network of sh('docker', ['network', 'ls', '-q', '--filter', label]).split('\n').filter(Boolean)) {
        spawnSync('docker', ['network', 'rm', network]);
      }
      const pid = join(home, 'nginx', 'nginx.pid');
      if (existsSync(pid)) {
        try {
          process.kill(Number(readFileSync(pid, 'utf8').trim()), 'SIGQUIT');
        } catch {}
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Runs `paas ...` in the background; resolves when it exits 0. */
function paasAsync(d, args) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: d.env, cwd: d.home, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`paas ${args.join(' ')}: ${stderr}`))));
  });
}

function timed(fn) {
  const start = now();
  fn();
  return now() - start;
}

/** GET/POST on the daemon's API port; resolves with status, body and the time it took. */
async function apiFetch(d, path, options = {}) {
  const start = now();
  const response = await fetch(`http://127.0.0.1:${d.env.PAAS_API_PORT}${path}`, options);
  const body = await response.text();
  return { status: response.status, body, headers: response.headers, ms: now() - start };
}

/**
 * The dashboard's two targets on a started daemon whose idle RSS was just measured: the first
 * load of its apps page (HTML, then JS and CSS together, then the session and the apps list, as
 * the browser does), and the RSS after every page and API route was used, against that idle RSS.
 */
async function dashboardTargets(d, rows, idleRss) {
  log('dashboard first page load, and RSS after using every page');
  const secret = d.paas('dashboard:login-link').split('\n')[0].split('#')[1];
  const login = await apiFetch(d, '/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: secret }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const headers = { cookie };
  const start = now();
  const html = await apiFetch(d, '/', { headers });
  await Promise.all([apiFetch(d, '/assets/app.js', { headers }), apiFetch(d, '/assets/style.css', { headers })]);
  await apiFetch(d, '/api/v1/session', { headers });
  const apps = await apiFetch(d, '/api/v1/apps', { headers });
  const firstLoad = now() - start;
  if (html.status !== 200 || apps.status !== 200) throw new Error(`dashboard answered ${html.status} / ${apps.status}`);
  rows.push([`dashboard first page load (apps page, ${JSON.parse(apps.body).length} apps)`, '', undefined, firstLoad, '< 300 ms', 'ms']);
  for (let round = 0; round < 3; round++) {
    for (const { name } of JSON.parse(apps.body)) {
      const app = `/api/v1/apps/${name}`;
      await Promise.all(
        [
          app,
          `${app}/releases`,
          `${app}/config`,
          `${app}/processes`,
          `${app}/builds`,
          `${app}/domains`,
          `${app}/certs`,
          `${app}/stats`,
          `${app}/logs?lines=100`,
        ].map((path) => apiFetch(d, path, { headers })),
      );
    }
    await apiFetch(d, '/api/v1/services', { headers });
    await apiFetch(d, '/api/v1/events', { headers });
    await apiFetch(d, '/api/v1/openapi.json');
  }
  await sleep(5000);
  rows.push(['daemon RSS added by using the dashboard (MB)', '', undefined, d.rssMb() - idleRss, '<= 10 MB', 'mb']);
}

/** Starts the daemon with the bench's global domain; resolves with the git remote of an app (token auth). */
async function startWithRemotes(d) {
  await d.start();
  const token = d.paas('tokens:create', 'bench').trim();
  d.paas('domains:set-global', DOMAIN);
  return (app) => `http://paas:${token}@127.0.0.1:${d.env.PAAS_API_PORT}/${app}.git`;
}

/** `--only dashboard`: a daemon with 3 deployed apps, restarted, then the dashboard targets. */
async function dashboardOnly() {
  ensureBaseImage();
  const d = await daemon();
  const rows = [];
  try {
    const remote = await startWithRemotes(d);
    for (let i = 1; i <= 3; i++) {
      const app = sampleApp(`dash${i}`);
      app.git('push', '-q', remote(`dash${i}`), 'main');
      rmSync(app.dir, { recursive: true, force: true });
    }
    await d.stop();
    await d.start();
    await sleep(5000);
    const idle = d.rssMb();
    rows.push(['daemon RSS, 5 s after start, 3 apps deployed (MB)', '', undefined, idle, '(reported)', 'mb']);
    await dashboardTargets(d, rows, idle);
  } finally {
    await d.destroy();
  }
  print(rows);
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build');
  ensureBaseImage();
  log(`${ROUNDS} rounds; floors first`);
  const floor = await floors();
  const bare = nodeFloor();
  const d = await daemon();
  const rows = [];
  try {
    const remote = await startWithRemotes(d);
    const viaNginx = (app, path) => () => get(d.httpPort, `${app}.${DOMAIN}`, path);

    log('push to new content');
    const app = sampleApp('bench');
    app.git('push', '-q', remote('bench'), 'main');
    await until(viaNginx('bench'), 'bench start');
    const push = [];
    for (let round = 0; round < ROUNDS; round++) {
      const content = `bench ${round} ${Date.now()}`;
      app.change(content);
      const start = now();
      const pushing = new Promise((res, rej) =>
        spawn('git', ['push', '-q', remote('bench'), 'main'], { cwd: app.dir, stdio: 'ignore' }).on('exit', (code) =>
          code === 0 ? res() : rej(new Error('push failed')),
        ),
      );
      push.push((await until(viaNginx('bench'), content)) - start);
      await pushing;
    }
    rows.push(['push to new content via nginx (no health check)', 'docker build + run', floor.build, median(push), '<= 1.3x']);

    log('redeploy of the unchanged tree');
    const redeploy = [];
    for (let round = 0; round < ROUNDS; round++) redeploy.push(timed(() => d.paas('deploy', 'bench')));
    rows.push(['redeploy, unchanged tree (paas deploy)', 'docker run', floor.run, median(redeploy), '<= 1.5 s']);

    log('config:set until the app answers with the new value');
    const config = [];
    for (let round = 0; round < ROUNDS; round++) {
      const value = `BENCH_VALUE=v${round}x${Date.now()}`;
      const start = now();
      const setting = paasAsync(d, ['config:set', 'bench', value]);
      config.push((await until(viaNginx('bench', '/cgi-bin/env'), value)) - start);
      await setting;
    }
    rows.push(['config:set until the app answers the new value', 'docker run -e', floor.runEnv, median(config), '<= 1.0 s']);

    log('ps:scale web=4 from web=1, and a deploy at web=4 against web=1');
    const scaleUp = [];
    const deploy1 = [];
    const deploy4 = [];
    for (let round = 0; round < ROUNDS; round++) {
      deploy1.push(timed(() => d.paas('deploy', 'bench')));
      scaleUp.push(timed(() => d.paas('ps:scale', 'bench', 'web=4')));
      deploy4.push(timed(() => d.paas('deploy', 'bench')));
      d.paas('ps:scale', 'bench', 'web=1');
    }
    rows.push(['ps:scale web=4 from web=1', 'deploy at web=1', median(deploy1), median(scaleUp), '(reported)']);
    rows.push(['deploy at web=4 against web=1', 'deploy at web=1', median(deploy1), median(deploy4), '<= 1.3x']);

    log('9 more apps, then the daemon restarted');
    for (let i = 2; i <= 10; i++) {
      const name = `bench${i}`;
      const other = sampleApp(name);
      other.git('push', '-q', remote(name), 'main');
      rmSync(other.dir, { recursive: true, force: true });
    }
    await d.stop();
    await d.start();
    await sleep(5000);
    const rss10 = d.rssMb();
    rows.push(['daemon RSS, 5 s after start, 10 apps deployed (MB)', 'bare node', bare.rssMb, rss10, '<= 70 MB', 'mb']);
    await dashboardTargets(d, rows, rss10);

    log('apps:list round trip');
    const list = [];
    for (let i = 0; i < 21; i++) list.push(timed(() => d.paas('apps:list')));
    rows.push(['paas apps:list round trip', 'node -e 0', bare.startMs, median(list), '<= 120 ms', 'ms']);

    log(`90 more apps (not deployed; each has an nginx server at APP.${DOMAIN})`);
    for (let i = 11; i <= 100; i++) d.paas('apps:create', `bench${i}`);
    const domains = [];
    for (let round = 0; round < ROUNDS; round++) domains.push(timed(() => d.paas('domains:add', 'bench', `extra${round}.example.test`)));
    rows.push(['domains:add with 100 apps (one nginx reload)', '', undefined, median(domains), '< 1 s']);
    await d.stop();
    const starts = [];
    for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
      starts.push(await d.start());
      if (round < Math.min(ROUNDS, 3) - 1) await d.stop();
    }
    rows.push(['daemon start with 100 apps, until it answers', '', undefined, median(starts), '< 5 s']);
    await sleep(5000);
    rows.push(['daemon RSS, 5 s after start, 100 apps (MB)', 'bare node', bare.rssMb, d.rssMb(), '(reported)', 'mb']);
    rmSync(app.dir, { recursive: true, force: true });
  } finally {
    await d.destroy();
  }
  print(rows);
}

function print(rows) {
  const format = (value, unit) =>
    value === undefined
      ? '-'
      : unit === 'mb'
        ? `${value.toFixed(1)} MB`
        : unit === 'ms'
          ? `${Math.round(value)} ms`
          : `${(value / 1000).toFixed(2)} s`;
  const table = [
    ['target', 'floor is', 'floor', 'paas', 'x floor', 'goal'],
    ...rows.map(([name, floorName, floorValue, value, goal, unit]) => [
      name,
      floorName || '-',
      format(floorValue, unit),
      format(value, unit),
      floorValue === undefined ? '-' : (value / floorValue).toFixed(2),
      goal,
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `paas bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} x ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}, medians of ${ROUNDS} rounds`,
  );
  console.log(line(table[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table.slice(1)) console.log(line(row));
}

if (process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'dashboard') await dashboardOnly();
else await main();
