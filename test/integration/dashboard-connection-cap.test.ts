/**
 * The per-client connection cap for the dashboard at its own domain: every user reaches the API
 * server from nginx's loopback address, so nginx holds each real client address to
 * PAAS_MAX_CONNECTIONS_PER_ADDRESS (here 3), and the API server gives nginx a larger budget.
 * One client holding live streams (`events -t` over the API) is refused a fourth with a 429 that
 * says why, while a client from another address (127.0.0.2, which reaches nginx on 127.0.0.1 over
 * loopback) still gets the dashboard, through the API server's fourth connection from nginx.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_CONTENT_TYPE, COMMAND_PATH } from '../../src/core/frames.js';
import { startDaemon, type DaemonHandle } from './harness.js';

const DOMAIN = 'paas.cap.test';
const CAP = 3;

let daemon: DaemonHandle;
let token: string;
const held: ClientRequest[] = [];

interface Answer {
  status: number;
  body: string;
}

/** A request to the dashboard domain through nginx, sent from `from` (a loopback address). */
function send(from: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return request({
    host: '127.0.0.1',
    port: daemon.httpPort,
    localAddress: from,
    path,
    method: options.method ?? 'GET',
    headers: { host: DOMAIN, ...options.headers },
    agent: false,
  });
}

/** The whole answer of a request that ends. */
function fetchFrom(from: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = send(from, path);
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.end();
  });
}

/**
 * A live event stream (`paas events -t` as a remote client runs it): resolves with its status once
 * the answer starts; a 200 stays open until the test closes it, anything else is read to its end.
 */
function stream(from: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = send(from, COMMAND_PATH, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': COMMAND_CONTENT_TYPE },
    });
    held.push(req);
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode === 200) return resolve({ status: 200, body: '' });
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.end(`${JSON.stringify({ argv: ['events', '--tail'] })}\n`);
  });
}

beforeAll(async () => {
  daemon = await startDaemon({ env: { PAAS_MAX_CONNECTIONS_PER_ADDRESS: String(CAP) } });
  token = (await daemon.paasOk(['tokens:create', 'watcher'])).trim();
  await daemon.paasOk(['dashboard:set', '--global', 'domain', DOMAIN]);
});

afterAll(async () => {
  for (const req of held) req.destroy();
  await daemon?.destroy();
});

describe('the dashboard domain caps each client, not nginx', () => {
  it('refuses one client its streams beyond the cap with a 429, while another address still gets the dashboard', async () => {
    for (let i = 0; i < CAP; i++) expect((await stream('127.0.0.1')).status, `stream ${i + 1}`).toBe(200);

    const refused = await stream('127.0.0.1');
    expect(refused.status).toBe(429);
    expect(refused.body).toContain(`too many open connections from your address to the dashboard (at most ${CAP})`);
    expect((await fetchFrom('127.0.0.1', '/')).status).toBe(429);

    // The API server already holds CAP connections from nginx; this is one more, and it is served.
    const other = await fetchFrom('127.0.0.2', '/');
    expect(other.status, other.body).toBe(200);
    expect(other.body).toMatch(/<html/i);
    expect((await stream('127.0.0.2')).status).toBe(200);

    // Closing one stream frees a place for its client.
    held[0]!.destroy();
    let again: Answer = { status: 0, body: '' };
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      again = await fetchFrom('127.0.0.1', '/');
      if (again.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again.status).toBe(200);
  });
});
