import { UserError } from '../core/errors.js';
import { isAppName, printable } from '../core/names.js';

/** One RFC 1123 label: letters, digits and inner dashes, 1 to 63 characters (already lowercased). */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_DOMAIN = 253;

/**
 * A domain as nginx will see it in `server_name`, or a UserError. Lowercased; an optional
 * leading `*.` wildcard; nothing but labels and dots, so no input can add an nginx directive.
 */
export function normalizeDomain(input: string): string {
  const domain = input.toLowerCase();
  const problem = domainProblem(domain);
  if (problem) {
    throw new UserError(`invalid domain "${printable(input)}": ${problem} (e.g. blog.example.com or *.example.com)`);
  }
  return domain;
}

export function isValidDomain(input: string): boolean {
  return domainProblem(input.toLowerCase()) === undefined;
}

function domainProblem(domain: string): string | undefined {
  if (domain === '') return 'it is empty';
  if (domain.length > MAX_DOMAIN) return `it is longer than ${MAX_DOMAIN} characters`;
  const name = domain.startsWith('*.') ? domain.slice(2) : domain;
  if (name === '') return 'a wildcard needs a domain after "*."';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'use only letters, digits, dashes and dots, with an optional leading "*."';
  for (const label of name.split('.')) {
    if (label === '') return 'it has an empty label (two dots in a row, or a dot at an end)';
    if (label.length > 63) return 'a label between dots is longer than 63 characters';
    if (!LABEL.test(label)) return 'a label starts or ends with a dash';
  }
  return undefined;
}

export function isWildcard(domain: string): boolean {
  return domain.startsWith('*.');
}

/** Every domain once, in the order given. */
export function uniqueDomains(domains: readonly string[]): string[] {
  return [...new Set(domains)];
}

/** `APP.GLOBAL`, the default domain of every app when a global domain is set. */
export function globalVhost(app: string, global: string | undefined): string | undefined {
  return global ? `${app}.${global}` : undefined;
}

/**
 * Why `app` may not take `domain`, or undefined. Under the global domain, `NAME.GLOBAL` is the
 * default URL of the app NAME, whether it exists yet or not: another app taking it would get that
 * app's traffic while `paas urls` shows the URL as NAME's. A wildcard covering the global domain
 * (`*.GLOBAL`, `*.PARENT`) would catch every app without a server of its own, so it needs the
 * explicit `allowGlobalWildcard`. Pure.
 */
export function reservedDomainProblem(
  domain: string,
  app: string,
  global: string | undefined,
  allowGlobalWildcard: boolean,
): string | undefined {
  if (!global) return undefined;
  if (isWildcard(domain)) {
    const covered = domain.slice(2);
    if (!allowGlobalWildcard && (global === covered || global.endsWith(`.${covered}`))) {
      return (
        `${domain} covers the global domain ${global}, so ${app} would get the traffic of every app without its own server; ` +
        'add --global-wildcard if that is what you want'
      );
    }
    return undefined;
  }
  if (!domain.endsWith(`.${global}`)) return undefined;
  const label = domain.slice(0, -global.length - 1);
  if (label !== app && isAppName(label)) {
    return `${domain} is the default URL of the app "${label}" (every app NAME is served at NAME.${global}); give ${app} another domain`;
  }
  return undefined;
}

export interface AppDomainsInput {
  app: string;
  /** The domains added with domains:add / domains:set. */
  own: readonly string[];
  /** False once the user removed APP.GLOBAL (domains:remove, domains:set, domains:clear). */
  useGlobal: boolean;
  /** The global domain, or domains (domains:add-global). */
  global: string | readonly string[] | undefined;
}

/** Where an app is served: APP.GLOBAL for each global domain (unless turned off) plus its own domains. Pure. */
export function appDomains(input: AppDomainsInput): string[] {
  const globals = input.global === undefined ? [] : typeof input.global === 'string' ? [input.global] : input.global;
  const vhosts = input.useGlobal ? globals.map((global) => globalVhost(input.app, global)!) : [];
  return uniqueDomains([...vhosts, ...input.own]);
}

/**
 * Domains served by more than one app: nginx would silently route them to whichever file it
 * read first, so they are refused. Returns domain -> the apps that claim it.
 */
export function domainConflicts(apps: ReadonlyArray<{ name: string; domains: readonly string[] }>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const app of apps) {
    for (const domain of app.domains) owners.set(domain, [...(owners.get(domain) ?? []), app.name]);
  }
  return new Map([...owners].filter(([, names]) => names.length > 1));
}
