import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the stack's Debian packages come from: the main archive, and the security archive if known. */
export interface DebianMirror {
  main: string;
  security?: string;
}

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

interface AptSource {
  uri: string;
  suites: string[];
}

/**
 * The mirror the stack is built from: PAAS_DEBIAN_MIRROR if set, else the one this server's own
 * apt uses for `suite` (so a server behind a local mirror builds from it), else deb.debian.org.
 */
export function debianMirror(suite: string, env: NodeJS.ProcessEnv = process.env, aptDir = '/etc/apt'): DebianMirror {
  const fromHost = mirrorFromSources(readAptSources(aptDir), suite);
  const override = env.PAAS_DEBIAN_MIRROR?.trim();
  if (override) return { main: withoutTrailingSlash(override), security: fromHost.security };
  return fromHost;
}

/** Picks the archive that serves `suite` and the one that serves `suite-security`. Pure. */
export function mirrorFromSources(files: readonly string[], suite: string): DebianMirror {
  const sources = files.flatMap(parseAptSources);
  const main = sources.find((s) => s.suites.includes(suite))?.uri;
  const security = sources.find((s) => s.suites.includes(`${suite}-security`))?.uri;
  return { main: withoutTrailingSlash(main ?? DEFAULT_DEBIAN_MIRROR), ...(security ? { security: withoutTrailingSlash(security) } : {}) };
}

/** `deb` lines of a sources.list and deb822 paragraphs of a .sources file; only plain http(s) URIs. */
export function parseAptSources(text: string): AptSource[] {
  const found: AptSource[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (match && isHttp(match[1])) found.push({ uri: match[1], suites: [match[2]] });
  }
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = deb822Fields(paragraph);
    if (!fields.types?.split(/\s+/).includes('deb') || fields.enabled?.toLowerCase() === 'no') continue;
    const suites = (fields.suites ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.uris ?? '').split(/\s+/).filter(isHttp)) found.push({ uri, suites });
  }
  return found;
}

function deb822Fields(paragraph: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of paragraph.split(/\r?\n/)) {
    if (line.trimStart().startsWith('#')) continue;
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (match) fields[match[1].toLowerCase()] = match[2].trim();
  }
  return fields;
}

function readAptSources(aptDir: string): string[] {
  const texts: string[] = [];
  const read = (path: string) => {
    try {
      texts.push(readFileSync(path, 'utf8'));
    } catch {
      // absent: nothing to learn from it
    }
  };
  read(join(aptDir, 'sources.list'));
  let names: string[] = [];
  try {
    names = readdirSync(join(aptDir, 'sources.list.d'));
  } catch {
    names = [];
  }
  for (const name of names.sort()) if (/\.(list|sources)$/.test(name)) read(join(aptDir, 'sources.list.d', name));
  return texts;
}

const isHttp = (uri: string): boolean => /^https?:\/\/[^\s]+$/.test(uri);
const withoutTrailingSlash = (uri: string): string => uri.replace(/\/+$/, '');
