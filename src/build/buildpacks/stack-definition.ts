import { createHash } from 'node:crypto';
import type { DebianMirror } from './debian-mirror.js';

/**
 * The default stack, as Heroku's stacks: a run image (runtimes and common libraries) and a build
 * image on top of it (compilers, headers, git). Both come from Debian's packages, so they can be
 * made on a server that reaches no image registry. Pure: the text here decides the content hash,
 * and a changed definition makes the images again.
 */

export const STACK_SUITE = 'bookworm';
export const STACK_NAME = `paas-${STACK_SUITE}`;

export const STACK_IMAGES = {
  base: `paas/stack-base:${STACK_SUITE}`,
  run: `paas/stack:${STACK_SUITE}`,
  build: `paas/stack-build:${STACK_SUITE}`,
} as const;

export type StackRole = keyof typeof STACK_IMAGES;

export const STACK_LABELS = {
  /** base, run or build */
  role: 'paas.stack',
  /** Content hash of the definition the image was made from. */
  hash: 'paas.stack.hash',
  /** On a build image: the run image apps built with it run on. */
  run: 'paas.stack.run',
} as const;

/** The user the app runs as (and buildpacks compile as). */
export const APP_UID = 1000;

/** Runtimes and libraries every app container has: Heroku's run stack, the Debian way. */
export const RUN_PACKAGES = [
  'bash',
  'ca-certificates',
  'curl',
  'netbase',
  'procps',
  'tzdata',
  'nodejs',
  'npm',
  'python3',
  'python3-venv',
  'python3-pip',
  'nginx-light',
  'postgresql-client',
  'libpq5',
  'libssl3',
  'zlib1g',
  'libffi8',
  'libyaml-0-2',
  'libxml2',
  'libxslt1.1',
  'libsqlite3-0',
  'libjpeg62-turbo',
  'libpng16-16',
] as const;

/** What compiling needs on top of the run stack. */
export const BUILD_PACKAGES = [
  'build-essential',
  'pkg-config',
  'git',
  'libpq-dev',
  'python3-dev',
  'libssl-dev',
  'libffi-dev',
  'zlib1g-dev',
  'libyaml-dev',
  'libxml2-dev',
  'libxslt1-dev',
  'libsqlite3-dev',
] as const;

/** dpkg leaves these out of every package: the stacks stay lean. */
export const DPKG_EXCLUDES = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
`;

/** apt sources of the stack: the same mirror the image was bootstrapped from. */
export function sourcesList(mirror: DebianMirror, suite = STACK_SUITE): string {
  const lines = [`deb ${mirror.main} ${suite} main`, `deb ${mirror.main} ${suite}-updates main`];
  if (mirror.security) lines.push(`deb ${mirror.security} ${suite}-security main`);
  return `${lines.join('\n')}\n`;
}

/** `debootstrap` arguments for the base root file system (minbase: essential packages and apt). */
export function debootstrapArgs(target: string, mirror: DebianMirror, suite = STACK_SUITE): string[] {
  return ['--variant=minbase', suite, target, mirror.main];
}

/** Instructions `docker import` applies to the bootstrapped root file system. */
export const BASE_CHANGES = [
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'ENV LANG=C.UTF-8',
  'CMD ["/bin/bash"]',
] as const;

const APT_INSTALL =
  'apt-get update -qq' +
  ' && apt-get install -y -q --no-install-recommends %PACKAGES%' +
  ' && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log';

function installStep(packages: readonly string[]): string {
  return APT_INSTALL.replace('%PACKAGES%', packages.join(' '));
}

/** The run stack's Dockerfile; its context holds `sources.list` and `nodoc`. */
export function runDockerfile(base: string = STACK_IMAGES.base): string {
  return `FROM ${base}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
COPY sources.list /etc/apt/sources.list
COPY nodoc /etc/dpkg/dpkg.cfg.d/01-paas-nodoc
RUN printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \\
 && ${installStep(RUN_PACKAGES)} \\
 && rm -f /usr/sbin/policy-rc.d \\
 && groupadd --gid ${APP_UID} paas \\
 && useradd --uid ${APP_UID} --gid ${APP_UID} --home-dir /app --no-create-home --shell /bin/bash paas \\
 && mkdir -p /app && chown ${APP_UID}:${APP_UID} /app
ENV STACK=${STACK_NAME} HOME=/app
WORKDIR /app
CMD ["/bin/bash"]
`;
}

/** The build stack's Dockerfile: FROM the run stack, plus compilers and headers. */
export function buildDockerfile(run: string = STACK_IMAGES.run): string {
  return `FROM ${run}
RUN ${installStep(BUILD_PACKAGES)}
`;
}

/** The files of each stack image's definition; the hash covers exactly these. */
export interface StackDefinition {
  mirror: DebianMirror;
  base: { args: string[]; changes: readonly string[] };
  run: { dockerfile: string; files: Record<string, string> };
  build: { dockerfile: string; files: Record<string, string> };
}

export function stackDefinition(mirror: DebianMirror): StackDefinition {
  return {
    mirror,
    base: { args: debootstrapArgs('ROOTFS', mirror), changes: BASE_CHANGES },
    run: { dockerfile: runDockerfile(), files: { 'sources.list': sourcesList(mirror), nodoc: DPKG_EXCLUDES } },
    build: { dockerfile: buildDockerfile(), files: {} },
  };
}

/** One hash per image; each covers the images below it, so changing the base remakes all three. */
export function stackHashes(definition: StackDefinition): Record<StackRole, string> {
  const base = sha(JSON.stringify(definition.base));
  const run = sha(JSON.stringify([base, definition.run]));
  const build = sha(JSON.stringify([run, definition.build]));
  return { base, run, build };
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
