import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { readProperty, type TopicSpec } from '../../core/properties.js';
import type { PartApi } from '../../core/part.js';
import { PROXY_KEYS } from '../app-state.js';
import { installCertificate } from '../cert-install.js';
import { DASHBOARD_CERT, appCertTarget, type CertTarget } from '../cert-target.js';
import { certVersion, readCertInfo, type CertInfo } from '../certs.js';
import type { ChangeResult, NginxProxy } from '../proxy.js';
import { newAccountKey, orderCertificate, revokeCertificate } from './acme-order.js';
import { DEFAULT_GRACE_SECONDS, LETSENCRYPT_NAMESPACE, LETSENCRYPT_PROPERTIES, directoryUrl } from './letsencrypt-settings.js';
import { renewalDue, renewalTime, retryDelayMs } from './renewal.js';

/** Per-app (for the dashboard: global) state beside the letsencrypt:set properties (same namespace, keys no property uses). */
const STATE = {
  /** The certificate version (certs/APP/VERSION) letsencrypt installed: active while certs point at it. */
  issued: 'issued',
  failures: 'failures',
  lastError: 'last-error',
  nextAttempt: 'next-attempt',
} as const;

export const LETSENCRYPT_TOPIC: TopicSpec = { topic: 'letsencrypt', namespace: LETSENCRYPT_NAMESPACE, properties: LETSENCRYPT_PROPERTIES };

export interface LetsencryptStatus {
  active: boolean;
  info: CertInfo | undefined;
  renewAt: Date | undefined;
  failures: number;
  lastError: string | undefined;
  nextAttempt: Date | undefined;
}

type Log = (line: string) => void;

/**
 * Certificates from an ACME server (Let's Encrypt by default) for every domain of an app (or the
 * dashboard domain),
 * installed through the same checked path as certs:add, and renewed by the daemon before they
 * expire. A failed renewal leaves the working certificate in place and is retried with backoff.
 */
export class Letsencrypt {
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly api: PartApi,
    private readonly proxy: NginxProxy,
  ) {}

  status(app: CertTarget): LetsencryptStatus {
    const get = (key: string) => this.api.store.properties.get(app.id, LETSENCRYPT_NAMESPACE, key);
    const current = this.api.store.properties.get(app.id, PROXY_KEYS.cert.namespace, PROXY_KEYS.cert.key);
    const active = current !== undefined && get(STATE.issued) === current;
    const cert = active ? this.proxy.served(app)?.cert : undefined;
    const info = cert && readCertInfo(cert.crt);
    const next = get(STATE.nextAttempt);
    return {
      active,
      info,
      renewAt: info && renewalTime(new Date(info.expiresAt), this.graceSeconds(app)),
      failures: Number(get(STATE.failures) ?? 0),
      lastError: get(STATE.lastError),
      nextAttempt: next ? new Date(next) : undefined,
    };
  }

  /**
   * letsencrypt:enable: a certificate for every domain of the app, unless the installed one
   * already covers them and is not due for renewal (or `force`).
   */
  async enable(app: CertTarget, options: { force: boolean; log: Log }): Promise<ChangeResult | undefined> {
    const status = this.status(app);
    const domains = this.domainsOf(app, options.log);
    if (!options.force && status.active && status.info && !this.due(app, status.info)) {
      options.log(
        `-----> ${app.label} already has a certificate for ${domains.join(' ')} until ${status.info.expiresAt.slice(0, 10)}; --force requests a new one`,
      );
      return undefined;
    }
    return this.issue(app, domains, options.log);
  }

  /** Renews the certificates that are due (all apps, or one); `respectBackoff` for the scheduler. Returns the failed apps. */
  async renewDue(apps: readonly CertTarget[], options: { respectBackoff: boolean; log: Log }): Promise<string[]> {
    const now = new Date();
    const due = apps
      .map((app) => ({ app, status: this.status(app) }))
      .filter(({ app, status }) => status.active && status.info && this.due(app, status.info, now))
      .filter(({ status }) => !options.respectBackoff || !status.nextAttempt || status.nextAttempt <= now)
      .sort((a, b) => a.status.renewAt!.getTime() - b.status.renewAt!.getTime());
    const failed: string[] = [];
    for (const { app } of due) {
      if (this.stopped) break;
      try {
        options.log(`-----> Renewing the certificate of ${app.label}`);
        await this.issue(app, this.domainsOf(app, options.log), options.log);
        this.api.logger.info({ app: app.label }, 'letsencrypt: certificate renewed');
      } catch (error) {
        failed.push(app.label);
        const message = error instanceof Error ? error.message : String(error);
        const failures = this.status(app).failures;
        const retryIn = retryDelayMs(failures, this.api.settings.letsencryptCheckSeconds * 1000);
        options.log(` !     renewing ${app.label} failed; its current certificate keeps serving: ${message}`);
        this.api.logger.error(
          { app: app.label, failures, retryInSeconds: Math.round(retryIn / 1000), error: message },
          'letsencrypt: renewal failed; the current certificate keeps serving',
        );
        this.setState(app, STATE.nextAttempt, new Date(Date.now() + retryIn).toISOString());
      }
    }
    return failed;
  }

  /** letsencrypt:disable: the certificate goes, the app is served on http only. */
  async disable(app: CertTarget): Promise<ChangeResult> {
    if (!this.status(app).active) throw new UserError(`letsencrypt is not active for ${app.label}`);
    const result = await this.proxy.change({ subject: app.subject }, (pending) => {
      pending.set(app.id, PROXY_KEYS.cert.namespace, PROXY_KEYS.cert.key, undefined);
      for (const key of Object.values(STATE)) pending.set(app.id, LETSENCRYPT_NAMESPACE, key, undefined);
    });
    return result;
  }

  async revoke(app: CertTarget): Promise<void> {
    const status = this.status(app);
    const cert = this.proxy.served(app)?.cert;
    if (!status.active || !cert)
      throw new UserError(`letsencrypt is not active for ${app.label}, so there is no certificate of its to revoke`);
    await revokeCertificate(this.directory(app), await this.accountKey(), readFileSync(cert.crt));
  }

  /** Challenge answers a daemon stopped mid-order left behind; call before nginx is rendered at start. */
  forgetChallenges(): void {
    for (const target of this.targets())
      this.api.store.properties.set(target.id, PROXY_KEYS.challenges.namespace, PROXY_KEYS.challenges.key, undefined);
  }

  /** Every app, then the dashboard: what the renewal schedule looks at. */
  targets(): CertTarget[] {
    return [...this.api.store.apps.list().map(appCertTarget), DASHBOARD_CERT];
  }

  /** The daemon's own schedule: a first look soon after start, then every check interval. */
  start(): void {
    const interval = this.api.settings.letsencryptCheckSeconds * 1000;
    const schedule = (delay: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(async () => {
        try {
          await this.renewDue(this.targets(), { respectBackoff: true, log: () => undefined });
        } catch (error) {
          this.api.logger.error({ err: error }, 'letsencrypt: the renewal check failed');
        }
        schedule(interval);
      }, delay);
      this.timer.unref();
    };
    schedule(Math.min(interval, 60_000));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async issue(app: CertTarget, domains: string[], log: Log): Promise<ChangeResult> {
    if (this.busy.has(app.dir)) throw new UserError(`a certificate request for ${app.label} is already running; wait for it to finish`);
    this.busy.add(app.dir);
    const challenges = PROXY_KEYS.challenges;
    let published = false;
    try {
      const directory = this.directory(app);
      log(`-----> Getting a certificate for ${app.label} from ${directory} (http-01)`);
      for (const domain of domains) log(`       - ${domain}`);
      const pair = await orderCertificate({
        directoryUrl: directory,
        accountKey: await this.accountKey(),
        email: readProperty(this.api.store.properties, LETSENCRYPT_TOPIC, 'email', app.id),
        domains,
        log,
        publish: async (answers) => {
          published = true;
          await this.proxy.change({ subject: app.subject }, (pending) =>
            pending.set(app.id, challenges.namespace, challenges.key, JSON.stringify(answers)),
          );
        },
      });
      const version = certVersion(pair);
      const { info, result } = await installCertificate(this.api, this.proxy, app, pair, (pending) => {
        pending.set(app.id, challenges.namespace, challenges.key, undefined);
        pending.set(app.id, LETSENCRYPT_NAMESPACE, STATE.issued, version);
        for (const key of [STATE.failures, STATE.lastError, STATE.nextAttempt]) pending.set(app.id, LETSENCRYPT_NAMESPACE, key, undefined);
      });
      published = false;
      log(`-----> Installed a certificate for ${info.hostnames.join(' ')} (expires ${info.expiresAt.slice(0, 10)})`);
      return result;
    } catch (error) {
      this.setState(app, STATE.failures, String(this.status(app).failures + 1));
      this.setState(
        app,
        STATE.lastError,
        `${new Date().toISOString().slice(0, 16).replace('T', ' ')} ${error instanceof Error ? error.message : String(error)}`,
      );
      throw error;
    } finally {
      this.busy.delete(app.dir);
      if (published) {
        await this.proxy
          .change({ subject: app.subject }, (pending) => pending.set(app.id, challenges.namespace, challenges.key, undefined))
          .catch((error: unknown) =>
            this.api.logger.warn({ err: error, app: app.label }, 'letsencrypt: the challenge answers were not removed from nginx'),
          );
      }
    }
  }

  private domainsOf(app: CertTarget, log: Log): string[] {
    const state = this.proxy.served(app);
    const all = state?.domains ?? [];
    const domains = certifiable(all);
    const wildcards = all.filter((domain) => !domains.includes(domain));
    if (wildcards.length) log(`       (left out: ${wildcards.join(' ')}; a wildcard needs a DNS-01 challenge, which paas does not do)`);
    if (domains.length === 0)
      throw new UserError(
        app.id === null
          ? 'the dashboard has no domain to get a certificate for; set one: paas dashboard:set --global domain paas.example.com'
          : `${app.arg} has no domains to get a certificate for; add one: paas domains:add ${app.arg} DOMAIN`,
      );
    const { httpPort } = this.api.settings;
    if (!state!.ports.some((m) => m.scheme === 'http' && m.host === httpPort)) {
      throw new UserError(
        `the ACME server checks ${app.label} over http on port ${httpPort}, but it has no http:${httpPort} port mapping; add one: paas ports:add ${app.arg} http:${httpPort}:5000`,
      );
    }
    return domains;
  }

  /** Within the grace period, or the app has a domain the certificate does not cover (added since). */
  private due(app: CertTarget, info: CertInfo, now = new Date()): boolean {
    const uncovered = certifiable(this.proxy.served(app)?.domains ?? []).some((domain) => !info.hostnames.includes(domain));
    return uncovered || renewalDue(new Date(info.expiresAt), this.graceSeconds(app), now);
  }

  private graceSeconds(app: CertTarget): number {
    return Number(readProperty(this.api.store.properties, LETSENCRYPT_TOPIC, 'graceperiod', app.id) ?? DEFAULT_GRACE_SECONDS);
  }

  private directory(app: CertTarget): string {
    return directoryUrl(readProperty(this.api.store.properties, LETSENCRYPT_TOPIC, 'server', app.id));
  }

  private setState(app: CertTarget, key: string, value: string | undefined): void {
    this.api.store.properties.set(app.id, LETSENCRYPT_NAMESPACE, key, value);
  }

  /** One ACME account key for the server, 0600 with the other secrets; made on first use. */
  private async accountKey(): Promise<Buffer> {
    const dir = join(this.api.paths.home, 'letsencrypt');
    const file = join(dir, 'account.key');
    if (existsSync(file)) return readFileSync(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = await newAccountKey();
    try {
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      return key;
    } catch {
      return readFileSync(file);
    }
  }
}

/** The domains HTTP-01 can prove: all but wildcards. Pure. */
export function certifiable(domains: readonly string[]): string[] {
  return domains.filter((domain) => !domain.startsWith('*.'));
}
