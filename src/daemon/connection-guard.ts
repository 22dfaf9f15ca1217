import type { Socket } from 'node:net';

/** How long a client may take and how many connections it may hold (README "Settings"). */
export interface ConnectionLimits {
  /** Open connections one address may hold on one port; more are closed at once. */
  perAddress: number;
  /**
   * The API port's cap for the managed nginx (loopback, or the address the API listens on): it
   * carries every dashboard user's connections, and caps each real client at perAddress itself.
   */
  perProxy: number;
  /** From connecting to a first HTTP request (headers included) or a completed SSH login. */
  loginTimeoutMs: number;
  /** An SSH connection with nothing running, or an HTTP upload that stalls, is closed after this. */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { perAddress: 32, perProxy: 1024, loginTimeoutMs: 20_000, idleTimeoutMs: 60_000 };

/**
 * Per-port bookkeeping of client connections: a cap per remote address, and deadlines that close
 * a connection which has not proven useful in time. What a connection runs once it is useful (a
 * build streaming for minutes, `logs -t`) is never cut by the guard.
 */
export class ConnectionGuard {
  private readonly open = new Map<string, number>();
  private readonly deadlines = new WeakMap<Socket, NodeJS.Timeout>();

  /** `capOf`: how many connections an address may hold; limits.perAddress for every one unless given. */
  constructor(
    readonly limits: ConnectionLimits,
    private readonly capOf: (address: string) => number = () => limits.perAddress,
  ) {}

  /** Counts a new connection; closes it (and returns false) when its address is at the cap. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const count = this.open.get(address) ?? 0;
    if (count >= this.capOf(address)) {
      socket.destroy();
      return false;
    }
    this.open.set(address, count + 1);
    socket.once('close', () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left <= 0) this.open.delete(address);
      else this.open.set(address, left);
    });
    return true;
  }

  /** Closes the socket unless `settle` is called for it within `ms`. */
  deadline(socket: Socket, ms: number): void {
    this.settle(socket);
    if (ms <= 0 || socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    this.deadlines.set(socket, timer);
    socket.once('close', () => this.settle(socket));
  }

  settle(socket: Socket): void {
    const timer = this.deadlines.get(socket);
    if (timer) clearTimeout(timer);
    this.deadlines.delete(socket);
  }

  /** How many connections an address holds now (for tests and logs). */
  openFrom(address: string): number {
    return this.open.get(address) ?? 0;
  }
}

/** Reads a positive whole number of seconds (or a count) from the environment; throws a clear line otherwise. */
export function readLimits(env: NodeJS.ProcessEnv): ConnectionLimits {
  const number = (name: string, fallback: number, unit: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback * unit;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a whole number from 1 (got "${raw}")`);
    return Number(raw) * unit;
  };
  return {
    perAddress: number('PAAS_MAX_CONNECTIONS_PER_ADDRESS', DEFAULT_LIMITS.perAddress, 1),
    perProxy: number('PAAS_MAX_CONNECTIONS_FROM_PROXY', DEFAULT_LIMITS.perProxy, 1),
    loginTimeoutMs: number('PAAS_LOGIN_TIMEOUT', DEFAULT_LIMITS.loginTimeoutMs / 1000, 1000),
    idleTimeoutMs: number('PAAS_IDLE_TIMEOUT', DEFAULT_LIMITS.idleTimeoutMs / 1000, 1000),
  };
}
