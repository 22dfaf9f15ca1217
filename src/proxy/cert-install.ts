import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
import { PROXY_KEYS } from './app-state.js';
import { inspectCertPair, removeCertVersions, writeCertVersion, type CertInfo, type CertPair } from './certs.js';
import type { ChangeResult, Mutation, NginxProxy } from './proxy.js';

const { cert: CERT } = PROXY_KEYS;

/**
 * The one way a certificate goes live (certs:add, certs:generate, letsencrypt): checked, written
 * as a new version, pointed at through one checked nginx reload, older versions dropped. A refused
 * reload leaves the previous certificate serving.
 */
export async function installCertificate(
  api: Pick<PartApi, 'store'>,
  proxy: NginxProxy,
  app: AppRow,
  pair: CertPair,
  also?: Mutation,
): Promise<{ info: CertInfo; version: string; result: ChangeResult }> {
  const info = inspectCertPair(pair);
  const previous = api.store.properties.get(app.id, CERT.namespace, CERT.key);
  const version = writeCertVersion(proxy.layout, app.name, pair);
  try {
    const result = await proxy.change({ subject: app.name }, async (pending) => {
      pending.set(app.id, CERT.namespace, CERT.key, version);
      await also?.(pending);
    });
    removeCertVersions(proxy.layout, app.name, version);
    return { info, version, result };
  } catch (error) {
    if (version !== previous) removeCertVersions(proxy.layout, app.name, previous);
    throw error;
  }
}
