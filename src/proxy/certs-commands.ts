import { readFileSync } from 'node:fs';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { PartApi } from '../core/part.js';
import { PROXY_KEYS, globalDomains, ownDomains, serializeDomains } from './app-state.js';
import {
  generateSelfSigned,
  readCertFiles,
  validityWarning,
  readCertInfo,
  readCertTar,
  removeCertVersions,
  type CertInfo,
  type CertPair,
} from './certs.js';
import { installCertificate } from './cert-install.js';
import { DASHBOARD_FLAG, appCertTarget, certTargetOf, type CertTarget } from './cert-target.js';
import { printChange } from './change-output.js';
import { normalizeDomain, reservedDomainProblem } from './domains.js';
import type { Mutation, NginxProxy } from './proxy.js';

const { cert: CERT, domains: OWN } = PROXY_KEYS;

/** certs:*: TLS for an app. With a certificate it answers on https (SNI) and http redirects there. */
export function registerCertsCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store, paths } = api;

  const install = (target: CertTarget, pair: CertPair, also?: Mutation) => installCertificate(api, proxy, target, pair, also);

  commands.register({
    name: 'certs:add',
    aliases: ['certs:update'],
    summary: 'Add or replace the TLS certificate of an app (or of the dashboard domain)',
    usage: 'APP|--dashboard [CRT KEY]',
    description:
      'CRT and KEY are PEM files on the server, given as absolute paths (only through the local paas command).\n' +
      'From anywhere, pipe a tar holding one .crt and one .key file instead:\n' +
      '  tar cf - server.crt server.key | paas certs:add blog\n' +
      'The app then answers on https, and plain http redirects there. --dashboard in place of APP gives the\n' +
      'certificate to the dashboard domain (paas dashboard:set --global domain NAME) instead.',
    examples: [
      'paas certs:add blog /root/blog.crt /root/blog.key',
      'tar cf - server.crt server.key | paas certs:add blog',
      'paas certs:add --dashboard /root/paas.crt /root/paas.key',
    ],
    flags: DASHBOARD_FLAG,
    arity: [0, 3],
    async handler({ args, flags, stdin, stdout, stderr, actor }) {
      const { target, rest } = certTargetOf(store, 'certs:add', flags.dashboard === true, args, 2);
      const [crt, key] = rest;
      if (target.id === null && !proxy.dashboardState())
        throw new UserError('the dashboard has no domain; set one first: paas dashboard:set --global domain paas.example.com');
      let pair: CertPair;
      if (crt !== undefined && key === undefined) throw new UserError('give both CRT and KEY, or neither and a tar on stdin');
      if (crt !== undefined && key !== undefined) {
        if (actor.transport !== 'socket') {
          throw new UserError(
            'CRT and KEY name files on the server; from a remote client pipe a tar instead: tar cf - server.crt server.key | paas certs:add APP',
          );
        }
        pair = await readCertFiles(crt, key);
      } else {
        pair = await readCertTar(stdin);
      }
      const { info, result } = await install(target, pair);
      writeLine(
        stdout,
        `-----> Added a certificate for ${info.hostnames.join(' ') || 'no hostname'} to ${target.label} (expires ${info.expiresAt.slice(0, 10)})`,
      );
      const warning = validityWarning(info, new Date());
      if (warning) writeLine(stderr, ` !     ${warning}`);
      const dashboard = proxy.dashboardUrl();
      const urls = target.id === null ? (dashboard ? [dashboard] : []) : proxy.urls(target.dir);
      printChange(stdout, result, urls);
      if (urls.length === 0)
        writeLine(
          stdout,
          `       ${target.label} has no domains yet, so nothing serves it; add one: paas domains:add ${target.label} DOMAIN`,
        );
    },
  });

  commands.register({
    name: 'certs:generate',
    summary: 'Give an app a self-signed certificate for a domain (and serve the app there)',
    usage: 'APP DOMAIN',
    description: 'Browsers warn about self-signed certificates; use it for tests or behind a proxy that does not check.',
    examples: ['paas certs:generate blog blog.example.com'],
    arity: [2, 2],
    async handler({ args: [name, value], stdout }) {
      const app = requireApp(store, name);
      const domain = normalizeDomain(value);
      const problem = globalDomains(store.properties, api.settings.domain)
        .map((global) => reservedDomainProblem(domain, app.name, global, false))
        .find(Boolean);
      if (problem) throw new UserError(problem);
      const pair = await generateSelfSigned(domain, paths.tmp);
      const { result } = await install(appCertTarget(app), pair, (pending) => {
        const state = proxy.appState(app.name);
        if (state?.domains.includes(domain)) return;
        pending.set(app.id, OWN.namespace, OWN.key, serializeDomains([...ownDomains(pending, app.id), domain]));
      });
      writeLine(stdout, `-----> Generated a self-signed certificate for ${domain} and added it to ${app.name}`);
      printChange(stdout, result, proxy.urls(app.name));
    },
  });

  commands.register({
    name: 'certs:remove',
    summary: 'Remove the TLS certificate of an app or the dashboard (it is served on http only)',
    usage: 'APP|--dashboard',
    examples: ['paas certs:remove blog', 'paas certs:remove --dashboard'],
    flags: DASHBOARD_FLAG,
    arity: [0, 1],
    async handler({ args, flags, stdout }) {
      const { target } = certTargetOf(store, 'certs:remove', flags.dashboard === true, args, 0);
      if (!store.properties.get(target.id, CERT.namespace, CERT.key)) throw new UserError(`${target.label} has no certificate`);
      const result = await proxy.change({ subject: target.subject }, (pending) =>
        pending.set(target.id, CERT.namespace, CERT.key, undefined),
      );
      removeCertVersions(proxy.layout, target.dir);
      writeLine(stdout, `-----> Removed the certificate of ${target.label}`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'certs:show',
    summary: "Print an app's (or the dashboard's) certificate (crt) or private key (key), e.g. to move it elsewhere",
    usage: 'APP|--dashboard crt|key',
    examples: ['paas certs:show blog crt > server.crt', 'paas certs:show blog key > server.key', 'paas certs:show --dashboard crt'],
    flags: DASHBOARD_FLAG,
    arity: [1, 2],
    handler({ args, flags, stdout }) {
      const { target, rest } = certTargetOf(store, 'certs:show', flags.dashboard === true, args, 1);
      const [which] = rest;
      if (which !== 'crt' && which !== 'key') throw new UserError('certs:show: say which file: crt or key');
      const cert = proxy.served(target)?.cert;
      if (!cert) throw new UserError(`${target.label} has no certificate; add one with: paas certs:add ${target.arg} CRT KEY`);
      stdout.write(readFileSync(which === 'crt' ? cert.crt : cert.key));
    },
  });

  registerTopic(
    api,
    {
      topic: 'certs',
      prefix: 'ssl',
      namespace: CERT.namespace,
      properties: [],
      fields(app) {
        const cert = proxy.appState(app.name)?.cert;
        return certFields(cert && readCertInfo(cert.crt), cert?.crt);
      },
    },
    { setCommand: false, reportSummary: "Show an app's TLS certificate", reportExampleKey: 'hostnames' },
  );
}

export function certFields(info: CertInfo | undefined, crtPath: string | undefined): Record<string, string> {
  return {
    enabled: info ? 'true' : 'false',
    hostnames: info?.hostnames.join(' ') ?? '',
    'expires-at': info?.expiresAt ?? '',
    'starts-at': info?.startsAt ?? '',
    subject: info?.subject ?? '',
    issuer: info?.issuer ?? '',
    verified: info ? (info.selfSigned ? 'self signed' : 'signed by its issuer') : '',
    fingerprint: info?.fingerprint ?? '',
    dir: crtPath ? crtPath.replace(/\/server\.crt$/, '') : '',
  };
}
