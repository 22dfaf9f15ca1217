/**
 * Docker Engines that a test starts and owns, each in a network namespace the test makes, so a
 * suite can stop, kill and restart an engine without touching the machine's own dockerd. Each
 * engine has its own data root, exec root, pid file, socket, cgroup parent and settings file.
 * Used by the swarm suite (three engines) and the engine-restart suite (one engine with
 * live-restore).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './harness.js';

export interface NetnsEngine {
  name: string;
  netns: string;
  /** Its address on the test's network (the namespace's eth0). */
  address: string;
  /** DOCKER_HOST of its engine. */
  host: string;
  dir: string;
  /** The cgroup its containers go under, so a cleanup finds every process they left. */
  cgroupParent: string;
}

export async function must(command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fails with a clear message when a program the suite needs is not installed. */
export async function requireTools(tools: readonly string[], suite: string): Promise<void> {
  for (const tool of tools) {
    if ((await run('sh', ['-c', 'command -v "$1"', 'sh', tool])).code !== 0) {
      throw new Error(`${tool} is missing: the ${suite} suite needs it (see .ci/test-packages)`);
    }
  }
}

export function pidFrom(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(pid: number | undefined, graceMs: number): Promise<void> {
  if (pid === undefined || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(200);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  const killed = Date.now() + 10_000;
  while (alive(pid) && Date.now() < killed) await sleep(100);
}

export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Every process in a cgroup tree (an engine's containers), found in the pids controller. */
function cgroupProcesses(parent: string): number[] {
  const root = join('/sys/fs/cgroup/pids', parent);
  const pids: number[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    try {
      pids.push(...readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      // gone meanwhile
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(root);
  return pids;
}

function removeCgroups(parent: string): void {
  let controllers: string[] = [];
  try {
    controllers = readdirSync('/sys/fs/cgroup');
  } catch {
    return;
  }
  const removeTree = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeTree(join(dir, entry.name));
    try {
      rmdirSync(dir);
    } catch {
      // still busy or not a cgroup directory
    }
  };
  for (const controller of controllers) removeTree(join('/sys/fs/cgroup', controller, parent));
}

/**
 * Makes the engine's network namespace with one veth to the host: `hostIf` at hostAddress/24 on
 * the host, eth0 at the engine's address inside, its default route through the host.
 */
export async function makeEngineNamespace(engine: NetnsEngine, hostIf: string, hostAddress: string): Promise<void> {
  await must('ip', ['netns', 'add', engine.netns]);
  await must('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', engine.netns]);
  await must('ip', ['addr', 'add', `${hostAddress}/24`, 'dev', hostIf]);
  await must('ip', ['link', 'set', hostIf, 'up']);
  const inside = (...args: string[]) => must('ip', ['-n', engine.netns, ...args]);
  await inside('link', 'set', 'lo', 'up');
  await inside('addr', 'add', `${engine.address}/24`, 'dev', 'eth0');
  await inside('link', 'set', 'eth0', 'up');
  await inside('route', 'add', 'default', 'via', hostAddress);
}

/** The engine's dockerd process id, while it runs. */
export function enginePid(engine: NetnsEngine): number | undefined {
  const pid = pidFrom(join(engine.dir, 'dockerd.pid'));
  return pid !== undefined && alive(pid) ? pid : undefined;
}

/** Ends every process of the engines (dockerd, its containerd and shims, their containers). */
export async function killEngines(engines: readonly NetnsEngine[]): Promise<void> {
  for (const engine of engines) {
    const pids = await run('ip', ['netns', 'pids', engine.netns]);
    if (pids.code === 0) killAll(pids.stdout.split('\n').filter(Boolean).map(Number));
    killAll(cgroupProcesses(engine.cgroupParent));
  }
  await sleep(300);
}

/** Unmounts what the engines left under `base` (overlay layers, container namespaces), deepest first. */
export async function unmountUnder(base: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((path) => path.startsWith(`${base}/`))
    .sort()
    .reverse();
  for (const path of mounts) await run('umount', ['-l', path]);
}

export function removeEngineCgroups(engines: readonly NetnsEngine[]): void {
  for (const engine of engines) removeCgroups(engine.cgroupParent);
}

/**
 * Starts dockerd inside the engine's network namespace and waits until it answers. `settings` is
 * its daemon.json (never the machine's: that one is for the shared engine); `flags` are added to
 * the engine's own paths. Starting it again after a stop or a kill uses the same paths.
 */
export async function startEngine(engine: NetnsEngine, settings: Record<string, unknown>, flags: readonly string[]): Promise<void> {
  mkdirSync(engine.dir, { recursive: true });
  const config = join(engine.dir, 'daemon.json');
  writeFileSync(config, `${JSON.stringify(settings)}\n`);
  const logFile = join(engine.dir, 'dockerd.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${engine.netns}`,
      'dockerd',
      '--config-file',
      config,
      '--data-root',
      join(engine.dir, 'data'),
      '--exec-root',
      join(engine.dir, 'exec'),
      '--pidfile',
      join(engine.dir, 'dockerd.pid'),
      '-H',
      engine.host,
      '--cgroup-parent',
      engine.cgroupParent,
      '--log-level',
      'warn',
      ...flags,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  const deadline = Date.now() + 60_000;
  while ((await run('docker', ['-H', engine.host, 'version'])).code !== 0) {
    if (Date.now() > deadline) throw new Error(`the engine of ${engine.name} did not start:\n${readFileSync(logFile, 'utf8')}`);
    await sleep(300);
  }
}

/** Copies an image of the machine's engine into a test engine (which can reach no registry). */
export async function loadImage(engine: NetnsEngine, image: string, scratchDir: string): Promise<void> {
  const saved = join(scratchDir, 'image.tar');
  await must('docker', ['save', '-o', saved, image]);
  const loaded = await run('docker', ['-H', engine.host, 'load', '-i', saved], { timeoutMs: 300_000 });
  await run('rm', ['-f', saved]);
  if (loaded.code !== 0) throw new Error(`loading ${image} into ${engine.name} failed: ${loaded.stderr}`);
}
