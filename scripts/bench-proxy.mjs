#!/usr/bin/env node
// Measures the managed nginx with many apps (run after `npm run build`; needs nginx, no Docker):
// configures N apps (default 50), each with a domain and a web upstream, then times
// `domains:add` on one app: render, nginx -t of the whole tree, swap, one reload, and the wait
// until the new workers answer, then checks that a request for the new domain is routed.
//   node scripts/bench-proxy.mjs [APPS] [ROUNDS]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { BuilderRegistry } from '../dist/build/builder.js';
import { EventBus } from '../dist/core/events.js';
import { executeCommand } from '../dist/core/execute.js';
import { CommandRegistry } from '../dist/core/registry.js';
import { ReportRegistry } from '../dist/core/reports.js';
import { UrlRegistry } from '../dist/core/urls.js';
import { createLogger } from '../dist/daemon/logger.js';
import { paths, readSettings } from '../dist/daemon/settings.js';
import { proxyPart } from '../dist/proxy/proxy-part.js';
import { Store } from '../dist/store/store.js';

const APPS = Number(process.argv[2] ?? 50);
const ROUNDS = Number(process.argv[3] ?? 5);

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const home = mkdtempSync(join(tmpdir(), 'paas-bench-'));
const backend = createServer((req, res) => res.end(`routed ${req.headers.host}\n`));
await new Promise((resolve) => backend.listen(0, '127.0.0.1', resolve));
const backendPort = backend.address().port;
const settings = readSettings({
  PAAS_HOME: home,
  PAAS_HTTP_PORT: String(await freePort()),
  PAAS_HTTPS_PORT: String(await freePort()),
  PAAS_LISTEN: '127.0.0.1',
  PAAS_API_PORT: '0',
  PAAS_SSH_PORT: '0',
});
const where = paths(home);
const store = Store.open(where.database);
const api = {
  commands: new CommandRegistry(),
  events: new EventBus(),
  reports: new ReportRegistry(),
  builders: new BuilderRegistry(),
  urls: new UrlRegistry(),
  settings,
  paths: where,
  store,
  logger: createLogger(where.logFile, false),
  apiRoutes: [],
  instance: 'bench',
};
const part = proxyPart();
part.register(api);
await part.start();

async function paas(...argv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = [];
  stdout.on('data', (c) => chunks.push(c));
  stderr.on('data', (c) => chunks.push(c));
  const io = {
    stdout,
    stderr,
    stdin: new PassThrough().end(),
    actor: { name: 'bench', transport: 'socket' },
    signal: new AbortController().signal,
  };
  const code = await executeCommand(api.commands, argv, io, { onInternalError: (e) => console.error(e) });
  if (code !== 0) throw new Error(`${argv.join(' ')}: ${Buffer.concat(chunks)}`);
}

const get = (host) =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: settings.httpPort, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });

try {
  const setupStart = Date.now();
  for (let i = 1; i <= APPS; i++) {
    const name = `app${i}`;
    store.apps.create(name);
    await api.events.emit('proxy-switch', { app: name, upstreams: [{ host: '127.0.0.1', port: backendPort }] });
    await paas('domains:add', name, `${name}.bench.test`, `www.${name}.bench.test`);
  }
  console.log(`configured ${APPS} apps (each: 2 domains, 1 upstream) in ${((Date.now() - setupStart) / 1000).toFixed(1)} s`);

  const target = `app${Math.ceil(APPS / 2)}`;
  const samples = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const domain = `extra${round}.bench.test`;
    const before = await settledReloads();
    const start = process.hrtime.bigint();
    await paas('domains:add', target, domain);
    const reply = await get(domain);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (reply.status !== 200 || reply.body !== `routed ${domain}\n`)
      throw new Error(`${domain} is not routed: ${reply.status} ${reply.body}`);
    const after = await reloadsAfter(before.length);
    if (after.length - before.length !== 1) throw new Error(`expected one reload, saw ${after.length - before.length}`);
    const { checkMs, reloadMs } = after.at(-1);
    samples.push({ ms, checkMs, reloadMs });
    console.log(
      `round ${round}: domains:add ${target} ${domain} routed after ${ms.toFixed(0)} ms (nginx -t ${checkMs} ms, reload until new workers answer ${reloadMs} ms), 1 reload`,
    );
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  console.log(
    `median with ${APPS} apps: ${median(samples.map((s) => s.ms)).toFixed(0)} ms end to end ` +
      `(nginx -t ${median(samples.map((s) => s.checkMs))} ms, reload ${median(samples.map((s) => s.reloadMs))} ms)`,
  );
} finally {
  // Stop what the bench started: its nginx, the backend, the state.
  const pid = Number(readFileSync(join(home, 'nginx', 'nginx.pid'), 'utf8'));
  process.kill(pid, 'SIGTERM');
  backend.close();
  store.close();
  await new Promise((resolve) => setTimeout(resolve, 300));
  rmSync(home, { recursive: true, force: true });
}

/** The log is written asynchronously: the reload lines once no new one arrives for 200 ms. */
async function settledReloads() {
  let lines = reloads();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = reloads();
    if (again.length === lines.length) return again;
    lines = again;
  }
}

/** The log is written asynchronously: wait until the reload's line is there. */
async function reloadsAfter(count) {
  for (let i = 0; i < 100; i++) {
    const lines = reloads();
    if (lines.length > count) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return reloads();
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return reloads();
}

function reloads() {
  return readFileSync(where.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"msg":"nginx reloaded"'))
    .map((line) => JSON.parse(line));
}
