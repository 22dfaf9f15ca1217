import { readCapped } from '../core/read-capped.js';
import { execFile } from 'node:child_process';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { UserError, oneLine } from '../core/errors.js';
import { readUserFile } from '../core/user-files.js';
import { certFiles, type NginxLayout } from './layout.js';

export interface CertPair {
  crt: Buffer;
  key: Buffer;
}

export interface CertInfo {
  subject: string;
  issuer: string;
  hostnames: string[];
  startsAt: string;
  expiresAt: string;
  selfSigned: boolean;
  fingerprint: string;
}

const MAX_PEM_BYTES = 1024 * 1024;
const MAX_TAR_BYTES = 8 * 1024 * 1024;
const SELF_SIGNED_DAYS = 365;

/**
 * Checks a certificate and key before nginx sees them: PEM, parseable, and the key belongs to
 * the certificate. Returns what certs:report shows.
 */
export function inspectCertPair({ crt, key }: CertPair): CertInfo {
  if (crt.length > MAX_PEM_BYTES || key.length > MAX_PEM_BYTES) throw new UserError('the certificate or key is larger than 1 MB');
  if (!crt.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
    throw new UserError('the certificate is not in PEM format (it should start with -----BEGIN CERTIFICATE-----)');
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) {
    throw new UserError(
      'the key is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----); encrypted keys are not supported',
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(crt);
  } catch (error) {
    throw new UserError(`the certificate cannot be read: ${oneLine((error as Error).message)}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new UserError(`the key cannot be read: ${oneLine((error as Error).message)}`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new UserError('the key does not belong to the certificate');
  return describeCertificate(certificate);
}

export function describeCertificate(certificate: X509Certificate): CertInfo {
  const sans = (certificate.subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1];
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    hostnames: sans.length ? sans : commonName ? [commonName] : [],
    startsAt: new Date(certificate.validFrom).toISOString(),
    expiresAt: new Date(certificate.validTo).toISOString(),
    selfSigned: certificate.subject === certificate.issuer,
    fingerprint: certificate.fingerprint256,
  };
}

export function readCertInfo(crtPath: string): CertInfo | undefined {
  try {
    return describeCertificate(new X509Certificate(readFileSync(crtPath)));
  } catch {
    return undefined;
  }
}

/** The version directory name: a hash of the pair, so the same pair is the same version. */
export function certVersion({ crt, key }: CertPair): string {
  return createHash('sha256').update(crt).update('\0').update(key).digest('hex').slice(0, 16);
}

/** Writes the pair into a new version directory (not live until a config points at it). */
export function writeCertVersion(layout: NginxLayout, app: string, pair: CertPair): string {
  const version = certVersion(pair);
  const files = certFiles(layout, app, version);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeFileSync(files.crt, pair.crt, { mode: 0o644 });
  writeFileSync(files.key, pair.key, { mode: 0o600 });
  return version;
}

/** Deletes the app's certificate versions except `keep` (all of them without it). */
export function removeCertVersions(layout: NginxLayout, app: string, keep?: string): void {
  const dir = join(layout.certsDir, app);
  let versions: string[];
  try {
    versions = readdirSync(dir);
  } catch {
    return;
  }
  for (const version of versions) if (version !== keep) rmSync(join(dir, version), { recursive: true, force: true });
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}

/** A self-signed certificate for one domain, made by `openssl req -x509`. */
export async function generateSelfSigned(domain: string, tmpRoot: string): Promise<CertPair> {
  mkdirSync(tmpRoot, { recursive: true });
  const dir = mkdtempSync(join(tmpRoot, 'cert-'));
  const keyPath = join(dir, 'server.key');
  const crtPath = join(dir, 'server.crt');
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-sha256',
          '-days',
          String(SELF_SIGNED_DAYS),
          '-subj',
          `/CN=${domain}`,
          '-addext',
          `subjectAltName=DNS:${domain}`,
          '-keyout',
          keyPath,
          '-out',
          crtPath,
        ],
        { timeout: 60_000 },
        (error, _stdout, stderr) => {
          if (!error) return resolve();
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            new UserError(missing ? 'openssl is not installed; install the openssl package' : `openssl failed: ${oneLine(String(stderr))}`),
          );
        },
      );
    });
    return { crt: readFileSync(crtPath), key: readFileSync(keyPath) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a CRT and a KEY named on the command line (regular files on the server, at most 1 MB each). */
export async function readCertFiles(crtPath: string, keyPath: string): Promise<CertPair> {
  const read = (path: string, what: string) => {
    if (!path.startsWith('/')) {
      throw new UserError(`give the ${what} as an absolute path (the daemon reads it), e.g. "$PWD/${path}"`);
    }
    return readUserFile(path, what, MAX_PEM_BYTES);
  };
  return { crt: await read(crtPath, 'certificate'), key: await read(keyPath, 'key') };
}

/** A warning line for a certificate that is not valid now (browsers refuse it), else undefined. Pure. */
export function validityWarning(info: CertInfo, now: Date): string | undefined {
  if (new Date(info.expiresAt) < now) {
    return `warning: the certificate expired on ${info.expiresAt.slice(0, 10)}; browsers will refuse it until you add a current one`;
  }
  if (new Date(info.startsAt) > now) {
    return `warning: the certificate is not valid before ${info.startsAt.slice(0, 10)}; browsers will refuse it until then`;
  }
  return undefined;
}

/** A tar on stdin holding one `.crt` and one `.key` (e.g. server.crt and server.key), as Dokku takes. */
export async function readCertTar(stdin: Readable): Promise<CertPair> {
  const usage = 'pipe a tar holding server.crt and server.key, e.g.: tar cf - server.crt server.key | paas certs:add APP';
  const tarBytes = await readCapped(
    stdin,
    MAX_TAR_BYTES,
    'the tar on stdin is larger than 8 MB; it should only hold the certificate and key',
  );
  if (tarBytes.length === 0) throw new UserError(`give CRT and KEY files, or ${usage}`);
  const found: { crt: Buffer[]; key: Buffer[] } = { crt: [], key: [] };
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const name = basename(entry.header.name);
      const kind = entry.header.type === 'file' ? (name.endsWith('.crt') ? 'crt' : name.endsWith('.key') ? 'key' : undefined) : undefined;
      const content: Buffer[] = [];
      for await (const chunk of entry) if (kind) content.push(chunk as Buffer);
      if (kind) found[kind].push(Buffer.concat(content));
    }
  })();
  extract.end(tarBytes);
  try {
    await done;
  } catch {
    throw new UserError(`stdin is not a tar; ${usage}`);
  }
  if (found.crt.length !== 1 || found.key.length !== 1) {
    throw new UserError(`the tar must hold exactly one .crt and one .key file; ${usage}`);
  }
  return { crt: found.crt[0], key: found.key[0] };
}
