import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Logger } from '../daemon/logger.js';

/** The files of the registry paas runs on the manager (`registry:set ... server local`), under PAAS_HOME. */
export function localRegistryPaths(home: string) {
  const dir = join(home, 'registry');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
    config: join(dir, 'config.yml'),
    storage: join(dir, 'storage'),
    log: join(dir, 'registry.log'),
    pidFile: join(dir, 'registry.pid'),
  };
}

/** The registry's configuration (Distribution's YAML): TLS on one address, images on disk. Pure. */
export function registryConfig(paths: ReturnType<typeof localRegistryPaths>, address: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${paths.storage}`,
    'http:',
    `  addr: ${address}`,
    '  tls:',
    `    certificate: ${paths.cert}`,
    `    key: ${paths.key}`,
    '',
  ].join('\n');
}

function openssl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`cannot make the registry's certificates with openssl: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Whether the certificate names exactly this IP (the registry's address changed otherwise). */
function certificateNames(certPath: string, ip: string): boolean {
  try {
    return new X509Certificate(readFileSync(certPath)).subjectAltName === `IP Address:${ip}`;
  } catch {
    return false;
  }
}

/**
 * Debian's docker-registry run by the daemon as its child: TLS with a certificate of a CA paas
 * makes (keys 0600 under PAAS_HOME), listening on one address only. It has no authentication:
 * whoever reaches that address can pull and push, so it must be the manager's private address.
 */
export class LocalRegistry {
  private child: ChildProcess | undefined;
  private address: string | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly home: string,
    private readonly logger: Logger,
  ) {}

  get paths() {
    return localRegistryPaths(this.home);
  }

  /** The CA certificate (PEM), made the first time. */
  async ca(): Promise<string> {
    const p = this.paths;
    if (!existsSync(p.caCert) || !existsSync(p.caKey)) {
      mkdirSync(p.dir, { recursive: true, mode: 0o700 });
      await openssl([
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '3650',
        '-subj',
        '/CN=paas registry CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-keyout',
        p.caKey,
        '-out',
        p.caCert,
      ]);
      chmodSync(p.caKey, 0o600);
    }
    return readFileSync(p.caCert, 'utf8');
  }

  private async certificate(ip: string): Promise<void> {
    await this.ca();
    const p = this.paths;
    if (existsSync(p.key) && certificateNames(p.cert, ip)) return;
    const csr = join(p.dir, 'server.csr');
    const extensions = join(p.dir, 'server.ext');
    writeFileSync(extensions, `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
    try {
      await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${ip}`, '-keyout', p.key, '-out', csr]);
      chmodSync(p.key, 0o600);
      await openssl([
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        p.caCert,
        '-CAkey',
        p.caKey,
        '-CAcreateserial',
        '-days',
        '825',
        '-sha256',
        '-extfile',
        extensions,
        '-out',
        p.cert,
      ]);
    } finally {
      rmSync(csr, { force: true });
      rmSync(extensions, { force: true });
    }
  }

  /** Starts the registry on IP:PORT (again when the address changed); resolves once it accepts connections. */
  async ensureRunning(address: string): Promise<void> {
    while (this.starting) await this.starting.catch(() => undefined);
    if (this.child && this.child.exitCode === null && this.address === address) return;
    this.starting = this.start(address);
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private async start(address: string): Promise<void> {
    const [ip, port] = splitAddress(address);
    await this.stop();
    this.stopLeftover();
    await this.certificate(ip);
    const p = this.paths;
    mkdirSync(p.storage, { recursive: true, mode: 0o700 });
    writeFileSync(p.config, registryConfig(p, address), { mode: 0o600 });
    const log = openSync(p.log, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn('docker-registry', ['serve', p.config], { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    child.on('error', (error) => this.logger.error({ err: error }, 'docker-registry could not start'));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.logger.info({ code, signal }, 'docker-registry exited');
    });
    this.child = child;
    this.address = address;
    writeFileSync(p.pidFile, String(child.pid ?? ''));
    const deadline = Date.now() + 15_000;
    while (!(await listening(ip, port))) {
      if (child.exitCode !== null || child.pid === undefined || Date.now() > deadline) {
        await this.stop();
        const tail = existsSync(p.log) ? readFileSync(p.log, 'utf8').trim().split('\n').slice(-3).join(' ') : '';
        throw new UserError(`paas's registry did not start on ${address} (is docker-registry installed?): ${tail}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A registry this daemon started before it was killed holds the port: stop it (only if it is docker-registry). */
  private stopLeftover(): void {
    const pid = Number(existsSync(this.paths.pidFile) ? readFileSync(this.paths.pidFile, 'utf8') : '');
    if (!Number.isInteger(pid) || pid <= 1) return;
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (command[0]?.endsWith('docker-registry') && command.includes(this.paths.config)) process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** `IP:PORT` into its parts. Pure. */
export function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
