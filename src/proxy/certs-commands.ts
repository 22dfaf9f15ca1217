import { readFileSync } from 'node:fs';
import { requireApp } from '../core/app-lookup.js';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { registerTopic } from '../core/property-commands.js';
import type { PartApi } from '../core/part.js';
import type { AppRow } from '../store/apps.js';
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
import { printChange } from './change-output.js';
import { normalizeDomain, reservedDomainProblem } from './domains.js';
import type { Mutation, NginxProxy } from './proxy.js';

const { cert: CERT, domains: OWN } = PROXY_KEYS;

/** certs:*: TLS for an app. With a certificate it answers on https (SNI) and http redirects there. */
export function registerCertsCommands(api: PartApi, proxy: NginxProxy): void {
  const { commands, store, paths } = api;

  const install = (app: AppRow, pair: CertPair, also?: Mutation) => installCertificate(api, proxy, app, pair, also);

  commands.register({
    name: 'certs:add',
    aliases: ['certs:update'],
    summary: 'Add or replace the TLS certificate of an app',
    usage: 'APP [CRT KEY]',
    description:
      'CRT and KEY are PEM files on the server, given as absolute paths (only through the local paas command).\n' +
      'From anywhere, pipe a tar holding one .crt and one .key file instead:\n' +
      '  tar cf - server.crt server.key | paas certs:add blog\n' +
      'The app then answers on https, and plain http redirects there.',
    examples: ['paas certs:add blog /root/blog.crt /root/blog.key', 'tar cf - server.crt server.key | paas certs:add blog'],
    arity: [1, 3],
    async handler({ args: [name, crt, key], stdin, stdout, stderr, actor }) {
      const app = requireApp(store, name);
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
      const { info, result } = await install(app, pair);
      writeLine(
        stdout,
        `-----> Added a certificate for ${info.hostnames.join(' ') || 'no hostname'} to ${app.name} (expires ${info.expiresAt.slice(0, 10)})`,
      );
      const warning = validityWarning(info, new Date());
      if (warning) writeLine(stderr, ` !     ${warning}`);
      const urls = proxy.urls(app.name);
      printChange(stdout, result, urls);
      if (urls.length === 0)
        writeLine(stdout, `       ${app.name} has no domains yet, so nothing serves it; add one: paas domains:add ${app.name} DOMAIN`);
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
      const { result } = await install(app, pair, (pending) => {
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
    summary: 'Remove the TLS certificate of an app (it is served on http only)',
    usage: 'APP',
    examples: ['paas certs:remove blog'],
    arity: [1, 1],
    async handler({ args: [name], stdout }) {
      const app = requireApp(store, name);
      if (!store.properties.get(app.id, CERT.namespace, CERT.key)) throw new UserError(`${app.name} has no certificate`);
      const result = await proxy.change({ subject: app.name }, (pending) => pending.set(app.id, CERT.namespace, CERT.key, undefined));
      removeCertVersions(proxy.layout, app.name);
      writeLine(stdout, `-----> Removed the certificate of ${app.name}`);
      printChange(stdout, result);
    },
  });

  commands.register({
    name: 'certs:show',
    summary: "Print an app's certificate (crt) or private key (key), e.g. to move it elsewhere",
    usage: 'APP crt|key',
    examples: ['paas certs:show blog crt > server.crt', 'paas certs:show blog key > server.key'],
    arity: [2, 2],
    handler({ args: [name, which], stdout }) {
      const app = requireApp(store, name);
      if (which !== 'crt' && which !== 'key') throw new UserError('certs:show: say which file: crt or key');
      const cert = proxy.appState(app.name)?.cert;
      if (!cert) throw new UserError(`${app.name} has no certificate; add one with: paas certs:add ${app.name} CRT KEY`);
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
