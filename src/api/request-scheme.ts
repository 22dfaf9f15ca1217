import { isLoopback } from '../daemon/settings.js';

export interface SchemeInput {
  /** The connection to the API server is TLS. */
  encrypted: boolean;
  /** Who connected to the API server. */
  remoteAddress: string | undefined;
  /** The X-Forwarded-Proto header, if any. */
  forwardedProto: string | string[] | undefined;
  /** The address the managed nginx connects from (apiUpstreamHost: 127.0.0.1, or PAAS_LISTEN's one address). */
  proxyAddress: string;
}

/**
 * The scheme the browser spoke. The managed nginx, which serves the dashboard domain, connects
 * from loopback (or from PAAS_LISTEN's address, which is this server's own) and sets X-Forwarded-Proto to the scheme it was reached with (replacing any the
 * client sent); a client that connects to the API port directly from elsewhere cannot claim
 * https with that header: only the connection itself counts for it. Pure.
 */
export function requestScheme({ encrypted, remoteAddress, forwardedProto, proxyAddress }: SchemeInput): 'http' | 'https' {
  const peer = (remoteAddress ?? '').replace(/^::ffff:/, '');
  const forwarded = Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto;
  const fromProxy = isLoopback(peer) || peer === proxyAddress;
  if (fromProxy && (forwarded === 'http' || forwarded === 'https')) return forwarded;
  return encrypted ? 'https' : 'http';
}
