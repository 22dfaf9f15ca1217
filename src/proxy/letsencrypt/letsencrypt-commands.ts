import { requireAppOrAll } from '../../core/app-lookup.js';
import { UserError } from '../../core/errors.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../../core/output.js';
import { registerTopic } from '../../core/property-commands.js';
import type { PartApi } from '../../core/part.js';
import { PROXY_KEYS } from '../app-state.js';
import { DASHBOARD_CERT, DASHBOARD_FLAG, appCertTarget, certTargetOf, type CertTarget } from '../cert-target.js';
import { removeCertVersions } from '../certs.js';
import { printChange } from '../change-output.js';
import type { NginxProxy } from '../proxy.js';
import { LETSENCRYPT_TOPIC, type Letsencrypt, type LetsencryptStatus } from './letsencrypt.js';
import { ACME_DIRECTORIES } from './letsencrypt-settings.js';
import { formatDuration } from './renewal.js';

/** letsencrypt:*: certificates from Let's Encrypt (or any ACME server), renewed by the daemon. */
export function registerLetsencryptCommands(api: PartApi, proxy: NginxProxy, letsencrypt: Letsencrypt): void {
  const { commands, store } = api;
  const urlsOf = (target: CertTarget) => (target.id === null ? [proxy.dashboardUrl() ?? ''].filter(Boolean) : proxy.urls(target.dir));

  commands.register({
    name: 'letsencrypt:enable',
    summary: "Get a Let's Encrypt certificate for every domain of an app, or the dashboard's (the daemon renews it)",
    usage: 'APP|--all|--dashboard [--force]',
    description:
      'The ACME server checks each domain over http on port 80 (a challenge answered by nginx), so every\n' +
      'domain must resolve to this server and port 80 must be open. The certificate is installed like\n' +
      'certs:add: https on, http redirects there. Nothing is requested while the installed certificate\n' +
      'covers the domains and is not due for renewal, unless --force. --dashboard does the same for the\n' +
      'dashboard domain (paas dashboard:set --global domain NAME); --all means every app.',
    examples: [
      'paas letsencrypt:set --global email you@example.com',
      'paas letsencrypt:enable blog',
      'paas letsencrypt:enable --all',
      'paas letsencrypt:enable --dashboard',
    ],
    flags: {
      force: { type: 'boolean', short: 'f', description: 'request a new certificate even if the current one is valid' },
      all: { type: 'boolean', description: 'every app' },
      ...DASHBOARD_FLAG,
    },
    arity: [0, 1],
    async handler({ args: [name], flags, stdout, stderr }) {
      const given = [name !== undefined, flags.all === true, flags.dashboard === true].filter(Boolean).length;
      if (given !== 1) throw new UserError('letsencrypt:enable: give an APP, --all or --dashboard');
      const targets = flags.dashboard === true ? [DASHBOARD_CERT] : requireAppOrAll(store, name).map(appCertTarget);
      const log = (line: string) => writeLine(stdout, line);
      const failed: string[] = [];
      for (const target of targets) {
        try {
          const result = await letsencrypt.enable(target, { force: flags.force === true, log });
          if (result) printChange(stdout, result, urlsOf(target));
        } catch (error) {
          if (targets.length === 1 || !(error instanceof UserError)) throw error;
          failed.push(target.label);
          writeLine(stderr, ` !     ${target.label}: ${error.message}`);
        }
      }
      if (failed.length) throw new UserError(`no certificate for: ${failed.join(', ')}`);
    },
  });

  commands.register({
    name: 'letsencrypt:disable',
    summary: "Remove an app's (or the dashboard's) Let's Encrypt certificate (it is served on http only)",
    usage: 'APP|--dashboard',
    examples: ['paas letsencrypt:disable blog', 'paas letsencrypt:disable --dashboard'],
    flags: DASHBOARD_FLAG,
    arity: [0, 1],
    async handler({ args, flags, stdout }) {
      const { target } = certTargetOf(store, 'letsencrypt:disable', flags.dashboard === true, args, 0);
      const result = await letsencrypt.disable(target);
      removeCertVersions(proxy.layout, target.dir);
      writeLine(stdout, `-----> Disabled letsencrypt for ${target.label}; it is served on http only`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'letsencrypt:active',
    summary: "Print true if the app's (or the dashboard's) certificate came from letsencrypt:enable, else false",
    usage: 'APP|--dashboard',
    examples: ['paas letsencrypt:active blog', 'paas letsencrypt:active --dashboard'],
    flags: DASHBOARD_FLAG,
    arity: [0, 1],
    handler({ args, flags, stdout }) {
      const { target } = certTargetOf(store, 'letsencrypt:active', flags.dashboard === true, args, 0);
      writeLine(stdout, String(letsencrypt.status(target).active));
    },
  });

  commands.register({
    name: 'letsencrypt:list',
    summary: "List the apps (and the dashboard, as --dashboard) with a Let's Encrypt certificate: expiry, renewal, last renewal error",
    usage: '[--format json]',
    examples: ['paas letsencrypt:list', 'paas letsencrypt:list --format json'],
    flags: { ...FORMAT_FLAG },
    arity: [0, 0],
    handler({ flags, stdout }) {
      const now = Date.now();
      const rows = letsencrypt
        .targets()
        .map((target) => ({ app: target.arg, status: letsencrypt.status(target) }))
        .filter(
          (row): row is { app: string; status: LetsencryptStatus & { info: NonNullable<LetsencryptStatus['info']> } } =>
            row.status.active && row.status.info !== undefined,
        )
        .sort((a, b) => a.status.info.expiresAt.localeCompare(b.status.info.expiresAt));
      if (flags.format === 'json') {
        return writeJson(
          stdout,
          rows.map(({ app, status }) => ({
            app,
            domains: status.info.hostnames,
            expires_at: status.info.expiresAt,
            renews_at: status.renewAt?.toISOString(),
            failures: status.failures,
            last_error: status.lastError ?? null,
            next_attempt: status.nextAttempt?.toISOString() ?? null,
          })),
        );
      }
      if (rows.length === 0) return writeLine(stdout, 'No app has a letsencrypt certificate; get one with: paas letsencrypt:enable APP');
      stdout.write(
        renderTable(
          ['App name', 'Certificate Expiry', 'Time before expiry', 'Time before renewal', 'Last renewal error'],
          rows.map(({ app, status }) => [
            app,
            status.info.expiresAt.slice(0, 19).replace('T', ' '),
            formatDuration(Date.parse(status.info.expiresAt) - now),
            formatDuration((status.renewAt?.getTime() ?? now) - now),
            status.lastError
              ? `${status.lastError} (attempt ${status.failures}; next ${status.nextAttempt ? `in ${formatDuration(status.nextAttempt.getTime() - now)}` : 'at the next check'})`
              : '-',
          ]),
        ),
      );
    },
  });

  commands.register({
    name: 'letsencrypt:auto-renew',
    summary: 'Renew now the certificates (of every app and the dashboard, or one) that are within their grace period',
    usage: '[APP|--dashboard]',
    description:
      'The daemon does this on its own every hour (PAAS_LETSENCRYPT_CHECK_INTERVAL); this runs it now, without waiting for the backoff after a failure.',
    examples: ['paas letsencrypt:auto-renew', 'paas letsencrypt:auto-renew blog', 'paas letsencrypt:auto-renew --dashboard'],
    flags: DASHBOARD_FLAG,
    arity: [0, 1],
    async handler({ args: [name], flags, stdout }) {
      const targets =
        name === undefined && flags.dashboard !== true
          ? letsencrypt.targets()
          : [certTargetOf(store, 'letsencrypt:auto-renew', flags.dashboard === true, [name], 0).target];
      const failed = await letsencrypt.renewDue(targets, { respectBackoff: false, log: (line) => writeLine(stdout, line) });
      if (failed.length)
        throw new UserError(`renewal failed for ${failed.join(', ')}; the current certificates keep serving (see paas letsencrypt:list)`);
      writeLine(stdout, '-----> Every letsencrypt certificate is current');
    },
  });

  commands.register({
    name: 'letsencrypt:cleanup',
    summary: "Remove an app's (or the dashboard's) certificate directories other than the one in use",
    usage: 'APP|--dashboard',
    examples: ['paas letsencrypt:cleanup blog', 'paas letsencrypt:cleanup --dashboard'],
    flags: DASHBOARD_FLAG,
    arity: [0, 1],
    handler({ args, flags, stdout }) {
      const { target } = certTargetOf(store, 'letsencrypt:cleanup', flags.dashboard === true, args, 0);
      const current = store.properties.get(target.id, PROXY_KEYS.cert.namespace, PROXY_KEYS.cert.key);
      removeCertVersions(proxy.layout, target.dir, current);
      writeLine(stdout, `-----> Removed the unused certificate directories of ${target.label}`);
    },
  });

  commands.register({
    name: 'letsencrypt:revoke',
    summary: "Ask the ACME server to revoke an app's (or the dashboard's) certificate (e.g. after its key leaked)",
    usage: 'APP|--dashboard',
    description: 'The certificate stays installed; get a new one with: paas letsencrypt:enable APP --force',
    examples: ['paas letsencrypt:revoke blog', 'paas letsencrypt:revoke --dashboard'],
    flags: DASHBOARD_FLAG,
    arity: [0, 1],
    async handler({ args, flags, stdout }) {
      const { target } = certTargetOf(store, 'letsencrypt:revoke', flags.dashboard === true, args, 0);
      await letsencrypt.revoke(target);
      writeLine(
        stdout,
        `-----> Revoked the certificate of ${target.label}; replace it with: paas letsencrypt:enable ${target.arg} --force`,
      );
    },
  });

  registerTopic(
    api,
    {
      ...LETSENCRYPT_TOPIC,
      fields(app) {
        const status = letsencrypt.status(appCertTarget(app));
        return {
          active: String(status.active),
          'expires-at': status.info?.expiresAt ?? '',
          'renews-at': status.renewAt?.toISOString() ?? '',
          'last-error': status.lastError ?? '',
        };
      },
    },
    {
      setDescription:
        'Values apply to letsencrypt:enable and to renewals; the app value wins over --global. A server URL (not production\n' +
        'or staging) can only be set with the paas command on the server.',
      authorize(change, ctx) {
        // The daemon sends requests to the directory URL and to every URL that directory names:
        // which ACME server to trust is the server admin's call, not a remote caller's.
        if (
          change.key === 'server' &&
          change.value !== undefined &&
          !(change.value in ACME_DIRECTORIES) &&
          ctx.actor.transport !== 'socket'
        ) {
          throw new UserError(
            'an ACME server URL can only be set with the paas command on the server; from a remote client use production or staging',
          );
        }
      },
      setExamples: [
        'paas letsencrypt:set --global email you@example.com',
        'paas letsencrypt:set blog server staging',
        'paas letsencrypt:set blog server',
      ],
      reportSummary: "Show an app's letsencrypt settings and certificate state",
    },
  );
}
