import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { UserError, oneLine } from '../core/errors.js';
import type { NginxLayout } from './layout.js';

/** The OS package's binary; paas gives it its own config, prefix, pid and logs. */
export const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

const START_TIMEOUT_MS = 10_000;
export const RELOAD_TIMEOUT_MS = 10_000;
const POLL_MS = 10;

/**
 * The managed nginx process: find it (pid file and /proc), start it, check a config with
 * `nginx -t`, reload it with SIGHUP and wait until the new workers answer. It is started
 * detached (nginx daemonizes) and outlives the paas daemon.
 */
export class NginxProcess {
  constructor(readonly layout: NginxLayout) {}

  /** `-c CONF -p PREFIX/ -e ERRORLOG`: the same for start, test and reload. */
  args(conf = this.layout.mainConf): string[] {
    return ['-c', conf, '-p', `${this.layout.prefix}/`, '-e', this.layout.errorLog];
  }

  /** `nginx -t` of a whole tree: undefined when nginx accepts it, else its complaint, one line. */
  test(conf: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      execFile(NGINX_BIN, ['-t', '-q', ...this.args(conf)], { timeout: 60_000 }, (error, _stdout, stderr) => {
        if (!error) return resolve(undefined);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve(`${NGINX_BIN} is missing; install the nginx package`);
        resolve(nginxComplaint(String(stderr)) || oneLine(error.message));
      });
    });
  }

  /** The master's pid when our nginx runs: the pid file names a live nginx started with our config. */
  runningPid(): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(this.layout.pidFile, 'utf8').trim());
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The state follows the command name in parentheses; Z is a zombie: dead, not yet reaped.
      if (/\)\s+Z\s/.test(stat)) return undefined;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return cmdline.includes('nginx') && cmdline.includes(` -c ${this.layout.mainConf} `) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Starts the master (it daemonizes); throws nginx's complaint, e.g. a port already taken. */
  async start(): Promise<void> {
    rmSync(this.layout.controlSocket, { force: true });
    rmSync(this.layout.pidFile, { force: true });
    const stderr = openSync(this.layout.startLog, 'w');
    let code: number | null;
    try {
      code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(NGINX_BIN, this.args(), { stdio: ['ignore', 'ignore', stderr] });
        const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
    } catch (error) {
      throw new UserError(`nginx could not be started (${NGINX_BIN}): ${(error as Error).message}; install the nginx package`);
    } finally {
      closeSync(stderr);
    }
    if (code !== 0) {
      const complaint = nginxComplaint(readFileSync(this.layout.startLog, 'utf8')) || `it exited with code ${code}`;
      throw new UserError(`nginx could not start: ${complaint}`);
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (this.runningPid() === undefined) {
      if (Date.now() > deadline) throw new UserError(`nginx did not start; see ${this.layout.errorLog}`);
      await sleep(POLL_MS);
    }
  }

  /** The error log's size: reload messages are read from here on. */
  logOffset(): number {
    try {
      return statSync(this.layout.errorLog).size;
    } catch {
      return 0;
    }
  }

  /** The master's workers that still accept connections (not shutting down). */
  activeWorkers(masterPid: number): number[] {
    return childPids(masterPid).filter((pid) => {
      const title = processTitle(pid);
      return title?.includes('worker process') && !title.includes('shutting down');
    });
  }

  /**
   * Resolves once the config with this generation answers on the control socket (new workers
   * run it) and every worker of the old config has stopped accepting: the master lets both
   * generations accept for about 100 ms before it tells the old workers to shut down.
   * nginx's master keeps the old config when a reload fails and only says so in its error log,
   * so that log is read too: a fatal line there fails at once.
   */
  async waitForGeneration(
    generation: string,
    logOffset: number,
    oldWorkers: readonly number[] = [],
    timeoutMs = RELOAD_TIMEOUT_MS,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const accepting = (pid: number) => {
      const title = processTitle(pid);
      return title !== undefined && !title.includes('shutting down');
    };
    for (;;) {
      if ((await this.generation()) === generation && !oldWorkers.some(accepting)) return;
      const fatal = fatalLogLine(readFrom(this.layout.errorLog, logOffset));
      if (fatal) throw new UserError(`nginx could not apply the change and kept its previous configuration: ${fatal}`);
      if (this.runningPid() === undefined) throw new UserError(`nginx stopped; see ${this.layout.errorLog}`);
      if (Date.now() > deadline) {
        throw new UserError(
          `nginx did not apply the new configuration within ${Math.round(timeoutMs / 1000)} s; see ${this.layout.errorLog}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  /** The generation the running workers answer, or undefined when none answers. */
  generation(): Promise<string | undefined> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.layout.controlSocket, path: '/', agent: false, timeout: 1000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8').trim() : undefined));
        res.on('error', () => resolve(undefined));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
      req.end();
    });
  }
}

/** The first line of nginx's output that says what is wrong, without the `nginx: ` prefix. */
export function nginxComplaint(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line = lines.find((l) => /\[(emerg|alert|crit)\]/.test(l)) ?? lines.find((l) => /\[error\]/.test(l)) ?? lines[0] ?? '';
  return oneLine(
    line
      .replace(/^nginx: /, '')
      .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '')
      .replace(/\s\d+#\d+:\s/, ' ')
      .replace(/^\[(emerg|alert|crit|error|warn)\]\s*/, '')
      .replace(/(\.conf)\.new\b/g, '$1'),
  );
}

/**
 * A line of the error log that means the master gave up on the new config. A failed bind() is
 * retried for a while, so only "still could not bind()" is final for it.
 */
export function fatalLogLine(text: string): string | undefined {
  const lines = text.split('\n');
  const line = lines.find((l) => /\[(emerg|alert)\]/.test(l) && !/bind\(\) to .* failed/.test(l) && !/setrlimit/.test(l));
  if (!line) return undefined;
  const bind = /still could not bind/.test(line) ? [...lines].reverse().find((l) => /bind\(\) to .* failed/.test(l)) : undefined;
  return nginxComplaint(bind ?? line);
}

/** The children of a process, from /proc. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The title a live process shows (nginx sets "nginx: worker process is shutting down"); undefined once it is gone. */
function processTitle(pid: number): string | undefined {
  try {
    if (/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return undefined;
  }
}

function readFrom(file: string, offset: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(file).size;
    if (size <= offset) return '';
    const buffer = Buffer.alloc(Math.min(size - offset, 1024 * 1024));
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
