import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { UserError, oneLine } from '../core/errors.js';
import { type PinnedHost, pinHost, pinOrThrow, pinnedAgents } from '../core/pinned-host.js';
import type { BackupAuth } from './backup-config.js';

/** How long reaching the endpoint may take before a backup is reported failed. */
const CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REGION = 'us-east-1';

/**
 * An S3 client for the service's backup-auth, or (`useIam`) for the credentials the server itself
 * has (environment, instance profile). An ENDPOINT means an S3-compatible store: path-style URLs,
 * and checksums only where S3 requires them, which every such store understands. Its host is
 * resolved once here and the client connects only to those addresses (core/pinned-host.ts); unless
 * root set the endpoint on the server, a private or loopback answer is refused first.
 */
export async function s3Client(auth: BackupAuth | undefined, useIam: boolean): Promise<S3Client> {
  if (!auth && !useIam) throw new UserError('no backup credentials: set them with TOPIC:backup-auth, or pass --use-iam');
  const agents = auth?.endpoint ? pinnedAgents(await endpointPin(auth.endpoint, auth.endpointFromServer === true)) : {};
  return new S3Client({
    region: auth?.region || DEFAULT_REGION,
    ...(auth && !useIam ? { credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey } } : {}),
    ...(auth?.endpoint ? { endpoint: auth.endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: 5 * 60_000, ...agents },
    maxAttempts: 2,
  });
}

async function endpointPin(endpoint: string, fromServer: boolean): Promise<PinnedHost> {
  const host = new URL(endpoint).hostname;
  const outcome = await pinHost(host, fromServer);
  if ('refused' in outcome && outcome.refused === 'private') {
    throw new UserError(
      `endpoint ${endpoint} now points at ${outcome.address ?? host}, a private or loopback address; only an endpoint set with backup-auth on the server may`,
    );
  }
  return pinOrThrow(outcome, host, 'endpoint', endpoint);
}

/** Uploads a file (in parts when it is large); resolves with its size. */
export async function uploadFile(client: S3Client, bucket: string, key: string, file: string, signal: AbortSignal): Promise<number> {
  const { size } = await stat(file);
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size },
    abortController: toController(signal),
  });
  await s3Call(() => upload.done(), `upload to s3://${bucket}/${key}`);
  return size;
}

export async function downloadFile(client: S3Client, bucket: string, key: string, file: string, signal: AbortSignal): Promise<void> {
  const answer = await s3Call(
    () => client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }),
    `download s3://${bucket}/${key}`,
  );
  if (!answer.Body) throw new UserError(`s3://${bucket}/${key} is empty`);
  await pipeline(answer.Body as Readable, createWriteStream(file, { mode: 0o600 }), { signal });
}

export interface StoredObject {
  key: string;
  bytes: number;
  modified: string;
}

/** The objects whose names start with `prefix`, oldest first. */
export async function listObjects(client: S3Client, bucket: string, prefix: string, signal: AbortSignal): Promise<StoredObject[]> {
  const found: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3Call(
      () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal }),
      `list s3://${bucket}/${prefix}`,
    );
    for (const item of page.Contents ?? []) {
      found.push({ key: item.Key ?? '', bytes: item.Size ?? 0, modified: item.LastModified?.toISOString() ?? '' });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

/** Runs an S3 call; its failure becomes one line that says what could not be done and why. */
async function s3Call<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new UserError(`cannot ${what}: ${describeS3Error(error)}`);
  }
}

/** An S3 error in a few words: the service's code and message, or the network error. Pure. */
export function describeS3Error(error: unknown): string {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    errors?: Array<{ code?: string; message?: string }>;
    $metadata?: { httpStatusCode?: number };
  };
  const network = e.code ?? e.errors?.[0]?.code;
  if (network && /^E[A-Z]+$/.test(network)) return `${network} (the endpoint cannot be reached)`;
  const status = e.$metadata?.httpStatusCode;
  const message = oneLine(e.message || e.errors?.[0]?.message || String(error));
  return [e.name && e.name !== 'Error' ? e.name : '', status ? `HTTP ${status}` : '', message].filter(Boolean).join(': ').slice(0, 300);
}

function toController(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}
