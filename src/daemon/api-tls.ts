import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';

/** The API port's own certificate: self-signed, made once, pinned by clients (README "Running commands from your laptop"). */
export interface ApiCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, `AB:CD:...`, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
  certPath: string;
}

export function apiTlsPaths(home: string): { dir: string; cert: string; key: string } {
  const dir = join(home, 'api-tls');
  return { dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

/** Reads the API certificate, or makes one (openssl, no shell) the first time; undefined when there is none. */
export function readApiCertificate(home: string): ApiCertificate | undefined {
  const paths = apiTlsPaths(home);
  if (!existsSync(paths.cert) || !existsSync(paths.key)) return undefined;
  const cert = readFileSync(paths.cert, 'utf8');
  return { cert, key: readFileSync(paths.key, 'utf8'), fingerprint: fingerprintOf(cert), certPath: paths.cert };
}

export async function loadOrCreateApiCertificate(home: string, names: readonly string[]): Promise<ApiCertificate> {
  const existing = readApiCertificate(home);
  if (existing) return existing;
  const paths = apiTlsPaths(home);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const partial = { cert: `${paths.cert}.new`, key: `${paths.key}.new` };
  try {
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-sha256',
      '-days',
      '3650',
      '-subj',
      '/CN=paas API',
      '-addext',
      `subjectAltName=${subjectAltNames(names)}`,
      '-keyout',
      partial.key,
      '-out',
      partial.cert,
    ]);
    chmodSync(partial.key, 0o600);
    // The key first: a cert without its key is never left behind under the final names.
    renameSync(partial.key, paths.key);
    renameSync(partial.cert, paths.cert);
  } finally {
    rmSync(partial.key, { force: true });
    rmSync(partial.cert, { force: true });
  }
  return readApiCertificate(home)!;
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Names a client may reach the API by, so `git -c http.sslCAInfo=...` can check the host name too. */
export function apiHostNames(domain: string | undefined): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined)
    .map((entry) => entry.address.replace(/%.*$/, ''));
  return [...new Set([hostname(), 'localhost', ...(domain ? [domain] : []), '127.0.0.1', '::1', ...addresses])];
}

function subjectAltNames(names: readonly string[]): string {
  return names
    .filter((name) => /^[A-Za-z0-9.:-]+$/.test(name))
    .map((name) => (/^[\d.]+$/.test(name) || name.includes(':') ? `IP:${name}` : `DNS:${name}`))
    .join(',');
}

function openssl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`cannot make the API certificate with openssl: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}
