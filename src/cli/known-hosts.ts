import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The API certificates this laptop trusts, like SSH's known_hosts: one `HOST:PORT FINGERPRINT`
 * line per daemon, written the first time the paas command connects to it.
 */
export interface TlsPin {
  /** PAAS_API_FINGERPRINT: the only fingerprint to accept, whatever the file says. */
  fingerprint?: string;
  knownHostsFile: string;
}

export function knownHostsFile(env: NodeJS.ProcessEnv): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'paas', 'known_api_hosts');
}

/** `AB:CD:...` (64 hex digits), from hex with or without colons, any case, `SHA256:` prefix allowed. Pure. */
export function normalizeFingerprint(text: string, source = 'PAAS_API_FINGERPRINT'): string {
  const hex = text
    .trim()
    .replace(/^sha-?256:?\s*/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new Error(`${source} must be a SHA-256 fingerprint (64 hex digits, as paas api:fingerprint prints on the server)`);
  }
  return hex.match(/../g)!.join(':');
}

/** The fingerprint known for `host:port`, from the file. */
export function knownFingerprint(file: string, hostPort: string): string | undefined {
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [host, fingerprint] = line.trim().split(/\s+/);
    if (host === hostPort && fingerprint) return fingerprint;
  }
  return undefined;
}

function remember(file: string, hostPort: string, fingerprint: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, `${before}${before && !before.endsWith('\n') ? '\n' : ''}${hostPort} ${fingerprint}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * Decides whether to talk to a daemon that presented `presented`: the pinned fingerprint must
 * match; else the known one must; else it is the first connection (trust on first use): it is
 * remembered, and `notice` tells the user what to compare it with. Throws one clear line otherwise.
 */
export function checkPin(hostPort: string, presented: string, pin: TlsPin, notice: (line: string) => void): void {
  const seen = normalizeFingerprint(presented, 'the certificate');
  if (pin.fingerprint !== undefined) {
    if (pin.fingerprint === seen) return;
    throw new Error(
      `the paas API at ${hostPort} presented certificate SHA-256 ${seen}, not PAAS_API_FINGERPRINT ${pin.fingerprint}; nothing was sent`,
    );
  }
  const known = knownFingerprint(pin.knownHostsFile, hostPort);
  if (known === seen) return;
  if (known !== undefined) {
    throw new Error(
      `the paas API at ${hostPort} presented a different certificate than before (SHA-256 ${seen}, known ${known}); ` +
        `nothing was sent. Someone may be intercepting the connection. If the server's certificate was replaced on purpose, ` +
        `compare with: paas api:fingerprint (on the server), then remove the line for ${hostPort} from ${pin.knownHostsFile}`,
    );
  }
  remember(pin.knownHostsFile, hostPort, seen);
  notice(
    `paas: first connection to ${hostPort}: trusting its API certificate SHA-256 ${seen} ` +
      `(compare with paas api:fingerprint on the server); saved in ${pin.knownHostsFile}`,
  );
}
