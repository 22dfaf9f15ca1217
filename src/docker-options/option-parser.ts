// Longer than 300 lines: the table of every supported option, each with its check and who may add it.
import { isIP } from 'node:net';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { parseSize } from '../core/sizes.js';
import { parseRestartPolicy } from '../deploy/restart-policy.js';
import { quoteWord, shellWords } from './shell-words.js';

/** One docker option as stored: its long flag name (no dashes) and its value, if it takes one. */
export interface DockerOption {
  flag: string;
  value?: string;
}

/** Who adds the options, and how a `-v` host side is resolved and checked (storage's rules). */
export interface OptionContext {
  /** The local paas command on the server (root): may add --privileged, --device, host networking. */
  local: boolean;
  /** Resolves `HOST:CONTAINER[:ro]` to the bind to store, or throws (storage:mount's rules). */
  volume(spec: string): string;
}

interface FlagRule {
  /** Other spellings: `-v`, `--net`. */
  aliases?: readonly string[];
  /** false: a switch (`--init`); otherwise the value's placeholder for messages. */
  takes: string | false;
  /** Only from the local socket: why, for the refusal. */
  localOnly?: (value: string | undefined) => string | undefined;
  /** Normalizes the value, or throws a UserError that says what is accepted. */
  check?(value: string, context: OptionContext): string;
}

/** Capabilities a remote caller may add: Docker's defaults and two harmless ones. */
const REMOTE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'IPC_LOCK',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
  'SYS_NICE',
]);
const ULIMITS = new Set([
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
]);
const LOG_OPTS = new Set(['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
/** The labels paas puts on its containers (instance, app, release...): never set by an option. */
const OWN_LABEL = /^paas\./;

const capability = (value: string) => value.toUpperCase().replace(/^CAP_/, '');

function bad(flag: string, value: string, expected: string): UserError {
  return new UserError(`invalid --${flag} "${printable(value)}": ${expected}`);
}

function size(flag: string, allowMinusOne = false) {
  return (value: string) => {
    if (allowMinusOne && value === '-1') return value;
    const bytes = parseSize(value, 'b');
    if (bytes === undefined || bytes <= 0) throw bad(flag, value, 'use a size such as 256m or 1g');
    return value.toLowerCase();
  };
}

/** The options paas understands, by long name. Everything else is refused with this list. */
export const RULES: Readonly<Record<string, FlagRule>> = {
  label: {
    aliases: ['l'],
    takes: 'KEY=VALUE',
    check(value) {
      const key = value.split('=')[0];
      if (!key || /[\s\u0000-\u001f\u007f]/.test(key)) throw bad('label', value, 'use KEY=VALUE (e.g. team=web)');
      if (OWN_LABEL.test(key)) throw bad('label', value, "labels starting with paas. are paas's own");
      return value.includes('=') ? value : `${value}=`;
    },
  },
  device: {
    takes: 'HOST[:CONTAINER[:PERMS]]',
    localOnly: () => 'it gives the app a device of the server',
    check(value) {
      const [host, container, perms, ...rest] = value.split(':');
      const path = /^\/dev\/[A-Za-z0-9._/-]+$/;
      if (
        rest.length ||
        !path.test(host) ||
        host.includes('..') ||
        (container !== undefined && !/^\/[A-Za-z0-9._/-]+$/.test(container)) ||
        (perms !== undefined && !/^[rwm]{1,3}$/.test(perms))
      ) {
        throw bad('device', value, 'use /dev/NAME[:/dev/NAME[:rwm]]');
      }
      return value;
    },
  },
  'cap-add': {
    takes: 'CAPABILITY',
    localOnly: (value) =>
      value && REMOTE_CAPABILITIES.has(capability(value)) ? undefined : 'it widens what the container may do to the kernel',
    check(value) {
      if (!/^(CAP_)?[A-Za-z_]+$/.test(value)) throw bad('cap-add', value, 'use a capability name such as NET_ADMIN');
      return capability(value);
    },
  },
  'cap-drop': {
    takes: 'CAPABILITY',
    check(value) {
      if (!/^(CAP_)?[A-Za-z_]+$/.test(value)) throw bad('cap-drop', value, 'use a capability name such as NET_RAW');
      return capability(value);
    },
  },
  'shm-size': { takes: 'SIZE', check: size('shm-size') },
  ulimit: {
    takes: 'NAME=SOFT[:HARD]',
    check(value) {
      const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value);
      if (!match || !ULIMITS.has(match[1])) throw bad('ulimit', value, `use NAME=SOFT[:HARD] with NAME one of ${[...ULIMITS].join(', ')}`);
      return value;
    },
  },
  'add-host': {
    takes: 'HOST:IP',
    check(value) {
      const colon = value.indexOf(':');
      const [host, ip] = [value.slice(0, colon), value.slice(colon + 1)];
      if (colon < 1 || !HOST_NAME.test(host) || (ip !== 'host-gateway' && isIP(ip) === 0)) {
        throw bad('add-host', value, 'use HOST:IP (e.g. db.internal:10.0.0.5, or HOST:host-gateway)');
      }
      return value;
    },
  },
  volume: { aliases: ['v'], takes: 'HOST:CONTAINER[:ro]', check: (value, context) => context.volume(value) },
  network: {
    aliases: ['net'],
    takes: 'NAME',
    localOnly: (value) => (value === 'host' ? "it puts the app on the server's own network" : undefined),
    check(value) {
      if (value === 'bridge' || value === 'none' || value.startsWith('container:')) {
        throw bad(
          'network',
          value,
          'paas apps stay on the paas network; give a network made with network:create (or host, from the server)',
        );
      }
      if (value !== 'host' && !NETWORK_NAME.test(value)) throw bad('network', value, 'give a network made with network:create');
      return value;
    },
  },
  restart: {
    takes: 'POLICY',
    check(value) {
      if (!parseRestartPolicy(value)) throw bad('restart', value, 'use no, always, unless-stopped, on-failure or on-failure:N');
      return value;
    },
  },
  init: { takes: false },
  'log-opt': {
    takes: 'KEY=VALUE',
    check(value) {
      const key = value.split('=')[0];
      if (!value.includes('=') || !LOG_OPTS.has(key))
        throw bad('log-opt', value, `use KEY=VALUE with KEY one of ${[...LOG_OPTS].join(', ')}`);
      return value;
    },
  },
  memory: { aliases: ['m'], takes: 'SIZE', check: size('memory') },
  'memory-swap': { takes: 'SIZE', check: size('memory-swap', true) },
  'memory-reservation': { takes: 'SIZE', check: size('memory-reservation') },
  'memory-swappiness': {
    takes: '0-100',
    check(value) {
      if (!/^\d{1,3}$/.test(value) || Number(value) > 100) throw bad('memory-swappiness', value, 'use a number from 0 to 100');
      return value;
    },
  },
  cpus: {
    takes: 'NUMBER',
    check(value) {
      if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw bad('cpus', value, 'use a number of CPUs such as 0.5 or 2');
      return value;
    },
  },
  gpus: {
    takes: 'all|N|device=ID[,ID]',
    check(value) {
      const plain = value.replace(/^"(.*)"$/, '$1');
      if (plain !== 'all' && !/^\d{1,3}$/.test(plain) && !/^device=[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$/.test(plain)) {
        throw bad('gpus', value, 'use all, a count, or device=ID[,ID]');
      }
      return plain;
    },
  },
  privileged: { takes: false, localOnly: () => 'it gives the container the whole server' },
  'build-arg': {
    takes: 'KEY=VALUE',
    check(value) {
      const eq = value.indexOf('=');
      if (eq < 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value.slice(0, eq))) {
        throw bad('build-arg', value, 'use KEY=VALUE with KEY a variable name (e.g. NODE_ENV=production)');
      }
      return value;
    },
  },
};

/** The options of the build phase: what Docker's build API (and a buildpack build container) can take. */
export const BUILD_FLAGS: readonly string[] = [
  'build-arg',
  'label',
  'add-host',
  'shm-size',
  'ulimit',
  'network',
  'memory',
  'memory-swap',
  'cpus',
];
/** Options that only mean something to a build. */
const BUILD_ONLY: readonly string[] = ['build-arg'];

/** The flags a phase takes (long names). Pure. */
export function phaseFlags(phase: 'build' | 'deploy' | 'run'): string[] {
  return Object.keys(RULES).filter((flag) => (phase === 'build' ? BUILD_FLAGS.includes(flag) : !BUILD_ONLY.includes(flag)));
}

/** Refuses an option the phase does not take, naming the ones it does. Pure. */
export function assertPhaseOptions(phase: 'build' | 'deploy' | 'run', options: readonly DockerOption[]): void {
  const allowed = phaseFlags(phase);
  const refused = options.find((option) => !allowed.includes(option.flag));
  if (refused) {
    throw new UserError(`--${refused.flag} is not supported in the ${phase} phase; there paas supports: ${supportedList(phase)}`);
  }
}

/** Names that network:create accepts (and --network refers to). */
export const NETWORK_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$/;

/** `--label, --device, ...` for messages: every option, or those of one phase. */
export function supportedList(phase?: 'build' | 'deploy' | 'run'): string {
  const flags = phase ? phaseFlags(phase) : Object.keys(RULES);
  return Object.entries(RULES)
    .filter(([name]) => flags.includes(name))
    .map(([name, rule]) => [`--${name}`, ...(rule.aliases ?? []).map((a) => (a.length === 1 ? `-${a}` : `--${a}`))].join('/'))
    .join(', ');
}

function ruleOf(token: string): [string, FlagRule] | undefined {
  const name = token.replace(/^--?/, '');
  const long = token.startsWith('--');
  for (const [flag, rule] of Object.entries(RULES)) {
    if (long && (flag === name || rule.aliases?.some((a) => a.length > 1 && a === name))) return [flag, rule];
    if (!long && rule.aliases?.some((a) => a.length === 1 && a === name)) return [flag, rule];
  }
  return undefined;
}

/**
 * Reads the OPTION arguments of docker-options:add/remove into single options: each string may
 * hold several `--flag value` groups, quoted as a shell would (nothing is expanded). Refuses an
 * option paas does not support (naming the supported ones), a bad value, and one that only the
 * server's root may add when the caller is remote. Pure but for `context.volume`.
 */
export function parseOptions(inputs: readonly string[], context: OptionContext): DockerOption[] {
  const tokens = inputs.flatMap((input) => shellWords(input));
  if (tokens.length === 0) throw new UserError('no docker option given (e.g. "--label team=web")');
  const options: DockerOption[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token.startsWith('-') || token === '-' || token === '--') {
      throw new UserError(`expected a docker option, got "${printable(token)}" (e.g. "--label team=web")`);
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const [head, inline] = eq === -1 ? [token, undefined] : [token.slice(0, eq), token.slice(eq + 1)];
    const found = ruleOf(head);
    if (!found) {
      throw new UserError(`unsupported docker option ${printable(head)}; paas supports: ${supportedList()}`);
    }
    const [flag, rule] = found;
    let value: string | undefined;
    if (rule.takes === false) {
      if (inline !== undefined && inline !== 'true') throw new UserError(`--${flag} takes no value`);
    } else {
      value = inline ?? tokens[++i];
      if (value === undefined) throw new UserError(`--${flag} needs a value (${rule.takes})`);
      value = rule.check ? rule.check(value, context) : value;
    }
    const why = rule.localOnly?.(value);
    if (why !== undefined && !context.local) {
      throw new UserError(
        `--${flag}${value === undefined ? '' : ` ${printable(value)}`} can only be added by the paas command on the server: ${why}`,
      );
    }
    options.push(value === undefined ? { flag } : { flag, value });
  }
  return options;
}

/** `--label team=web`: how an option is shown and stored. Pure. */
export function formatOption(option: DockerOption): string {
  return option.value === undefined ? `--${option.flag}` : `--${option.flag} ${quoteWord(option.value)}`;
}

export function sameOption(a: DockerOption, b: DockerOption): boolean {
  return a.flag === b.flag && a.value === b.value;
}
