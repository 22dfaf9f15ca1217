import { isLoopback } from '../daemon/settings.js';

export interface SchemeInput {
  /** The connection to the API server is TLS. */
  encrypted: boolean;
  /** Who connected to the API server. */
  remoteAddress: string | undefined;
  /** The X-Forwarded-Proto header, if any. */
  forwardedProto: string | string[] | undefined;
}

/**
 * The scheme the browser spoke. The managed nginx, which serves the dashboard domain, connects
 * from loopback and sets X-Forwarded-Proto to the scheme it was reached with (replacing any the
 * client sent); a client that connects to the API port directly from elsewhere cannot claim
 * https with that header: only the connection itself counts for it. Pure.
 */
export function requestScheme({ encrypted, remoteAddress, forwardedProto }: SchemeInput): 'http' | 'https' {
  const peer = (remoteAddress ?? '').replace(/^::ffff:/, '');
  const forwarded = Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto;
  if (isLoopback(peer) && (forwarded === 'http' || forwarded === 'https')) return forwarded;
  return encrypted ? 'https' : 'http';
}
