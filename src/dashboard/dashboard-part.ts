import { hostname } from 'node:os';
import { apiV1 } from '../api/api-v1.js';
import { UserError } from '../core/errors.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../core/output.js';
import type { TopicSpec } from '../core/properties.js';
import { registerTopic } from '../core/property-commands.js';
import type { Part, PartApi } from '../core/part.js';
import { apiUpstreamHost } from '../proxy/dashboard-state.js';
import { isWildcard, normalizeDomain } from '../proxy/domains.js';
import { LINK_TTL_MS, SessionStore, type Session } from './sessions.js';
import { staticRoutes } from './static-routes.js';

export const DASHBOARD_TOPIC: TopicSpec = {
  topic: 'dashboard',
  namespace: 'dashboard',
  properties: [
    {
      key: 'token-login',
      scope: 'global',
      summary:
        'false: only root on the server (paas on the local socket) may print login links; API token and SSH key holders may not, and their sessions end',
      default: 'true',
      validate(value) {
        if (value !== 'true' && value !== 'false') throw new UserError('token-login is true or false');
        return value;
      },
    },
    {
      key: 'domain',
      scope: 'global',
      summary:
        'where the managed nginx serves the dashboard (and the API), e.g. paas.example.com; give it TLS with certs:add --dashboard or letsencrypt:enable --dashboard',
      validate(value) {
        const domain = normalizeDomain(value);
        if (isWildcard(domain)) throw new UserError(`the dashboard domain is one host name, not a wildcard like ${domain}`);
        return domain;
      },
    },
  ],
};

/**
 * The web dashboard and the JSON API behind it (/api/v1 on the API port): dashboard:login-link,
 * dashboard:sessions, dashboard:logout, dashboard:set / dashboard:report.
 */
export function dashboardPart(): Part {
  const sessions = new SessionStore();
  return {
    name: 'dashboard',
    topics: ['dashboard'],
    description: 'web dashboard and JSON API (/api/v1) on the API port: dashboard:login-link, dashboard:sessions, dashboard:logout',
    register(api) {
      const { commands, store } = api;
      const tokenLogin = () => store.properties.get(null, DASHBOARD_TOPIC.namespace, 'token-login') !== 'false';
      const loginAllowed = (who: Pick<Session, 'transport'>) => who.transport === 'socket' || tokenLogin();

      registerTopic(
        api,
        {
          ...DASHBOARD_TOPIC,
          globalFields: () => {
            const site = api.urls.dashboard();
            return { url: site?.url ?? dashboardUrl(api), ...site?.fields };
          },
        },
        {
          setDescription:
            'Settings of the web dashboard. With a domain, the managed nginx serves the dashboard there like an app\n' +
            '(a domain an app serves is refused); an empty value stops that.',
          setExamples: [
            'paas dashboard:set --global domain paas.example.com',
            'paas dashboard:set --global domain',
            'paas dashboard:set --global token-login false',
          ],
          reportSummary: 'Show the dashboard settings, where it is served and its certificate',
          async apply(change, { stdout }) {
            if (change.key === 'domain' && api.events.listenerCount('dashboard-domain') > 0) {
              await api.events.emit('dashboard-domain', { domain: change.value, output: stdout });
            } else store.properties.set(null, change.namespace, change.key, change.value);
          },
        },
      );

      commands.register({
        name: 'dashboard:login-link',
        summary: 'Print a one-time link that logs a browser into the dashboard (valid 5 minutes)',
        usage: '',
        description:
          'Open the link in a browser: it logs in once and sets a session cookie for 12 hours. The secret is after the #,\n' +
          'so it never reaches a server log. The link names the dashboard domain (dashboard:set --global domain) when one\n' +
          'is set, else the API port; the Secure cookie needs https there (or loopback).',
        examples: ['paas dashboard:login-link'],
        arity: [0, 0],
        handler({ stdout, stderr, actor }) {
          if (!loginAllowed(actor)) {
            throw new UserError(
              'dashboard login is off for API token and SSH key holders; root can turn it on: paas dashboard:set --global token-login true',
            );
          }
          const site = api.urls.dashboard();
          writeLine(stdout, `${site?.url ?? dashboardUrl(api)}login#${sessions.createLink(actor)}`);
          writeLine(stdout, `(valid ${LINK_TTL_MS / 60_000} minutes, once)`);
          if (site && !site.url.startsWith('https:')) {
            writeLine(
              stderr,
              'The dashboard domain has no certificate yet, and browsers keep its Secure session cookie only over https; give it one:\n' +
                '  paas letsencrypt:enable --dashboard   (or: paas certs:add --dashboard CRT KEY)',
            );
          }
        },
      });

      commands.register({
        name: 'dashboard:sessions',
        summary: 'List the dashboard sessions that are logged in',
        usage: '[--format json]',
        examples: ['paas dashboard:sessions'],
        flags: FORMAT_FLAG,
        arity: [0, 0],
        handler({ flags, stdout }) {
          const rows = sessions.list().map((s) => ({
            id: s.id,
            owner: s.owner,
            createdAt: new Date(s.createdAt).toISOString(),
            expiresAt: new Date(s.expiresAt).toISOString(),
          }));
          if (flags.format === 'json') return writeJson(stdout, rows);
          stdout.write(
            renderTable(
              ['ID', 'OWNER', 'LOGGED IN', 'EXPIRES'],
              rows.map((r) => [r.id, r.owner, r.createdAt, r.expiresAt]),
            ),
          );
        },
      });

      commands.register({
        name: 'dashboard:logout',
        summary: 'End a dashboard session (or every one with --all)',
        usage: 'ID|--all',
        examples: ['paas dashboard:logout 3f9a0c1d2e4b', 'paas dashboard:logout --all'],
        flags: { all: { type: 'boolean', description: 'every session' } },
        arity: [0, 1],
        handler({ args: [id], flags, stdout, actor }) {
          if ((id === undefined) === (flags.all !== true))
            throw new UserError('dashboard:logout takes a session ID or --all; see: paas dashboard:sessions');
          const mine = (s: Session) => actor.transport === 'socket' || s.owner === actor.name;
          const ended = sessions.revoke((s) => mine(s) && (flags.all === true || s.id === id));
          if (id !== undefined && ended === 0) throw new UserError(`no dashboard session "${id}" of yours; see: paas dashboard:sessions`);
          writeLine(stdout, `-----> Ended ${ended} dashboard session${ended === 1 ? '' : 's'}`);
        },
      });

      api.apiRoutes.push(async (app) => {
        await app.register(apiV1, {
          registry: commands,
          logger: api.logger,
          sessions,
          loginAllowed,
          proxyAddress: apiUpstreamHost(api.settings.listen),
        });
        await app.register(staticRoutes);
      });
    },
  };
}

/** Where a browser reaches the dashboard: the API port, by PAAS_DOMAIN or the listen address. */
export function dashboardUrl({ settings }: Pick<PartApi, 'settings'>): string {
  const scheme = settings.apiTls ? 'https' : 'http';
  const host = settings.domain ?? (settings.listen === '0.0.0.0' || settings.listen === '::' ? hostname() : settings.listen);
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${bracketed}:${settings.apiPort}/`;
}
