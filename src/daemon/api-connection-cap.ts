import { apiUpstreamHost } from '../proxy/dashboard-state.js';
import type { ConnectionLimits } from './connection-guard.js';

/**
 * The API port's cap for one peer address. The managed nginx connects for every dashboard user
 * from the address it reaches the API on (127.0.0.1, or PAAS_LISTEN when that is one address), so
 * that address gets perProxy; nginx holds each real client to perAddress (limit_conn). Every other
 * address, other loopback ones included, gets perAddress. Pure.
 */
export function apiConnectionCap(limits: ConnectionLimits, apiListen: string, address: string): number {
  const peer = address.replace(/^::ffff:/, '');
  return peer === apiUpstreamHost(apiListen) ? limits.perProxy : limits.perAddress;
}
