import type { PartApi } from '../core/part.js';
import { PROXY_KEYS } from './app-state.js';
import type { CertTarget } from './cert-target.js';
import { inspectCertPair, removeCertVersions, writeCertVersion, type CertInfo, type CertPair } from './certs.js';
import type { ChangeResult, Mutation, NginxProxy } from './proxy.js';

const { cert: CERT } = PROXY_KEYS;

/**
 * The one way a certificate goes live (certs:add, certs:generate, letsencrypt), for an app or the dashboard: checked, written
 * as a new version, pointed at through one checked nginx reload, older versions dropped. A refused
 * reload leaves the previous certificate serving.
 */
export async function installCertificate(
  api: Pick<PartApi, 'store'>,
  proxy: NginxProxy,
  target: CertTarget,
  pair: CertPair,
  also?: Mutation,
): Promise<{ info: CertInfo; version: string; result: ChangeResult }> {
  const info = inspectCertPair(pair);
  const previous = api.store.properties.get(target.id, CERT.namespace, CERT.key);
  const version = writeCertVersion(proxy.layout, target.dir, pair);
  try {
    const result = await proxy.change({ subject: target.subject }, async (pending) => {
      pending.set(target.id, CERT.namespace, CERT.key, version);
      await also?.(pending);
    });
    removeCertVersions(proxy.layout, target.dir, version);
    return { info, version, result };
  } catch (error) {
    if (version !== previous) removeCertVersions(proxy.layout, target.dir, previous);
    throw error;
  }
}
