import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeLine } from '../core/output.js';
import { tailLog } from '../proxy/log-files.js';
import type { Part } from '../core/part.js';

const SETTING = { namespace: 'events', key: 'off' } as const;
/** The log is rotated to events.log.1 past this size. */
const MAX_LOG = 5 * 1024 * 1024;

/**
 * Dokku's event log: every trigger paas fires (post-create, git-receive, post-deploy,
 * proxy-switch, ...) as one line with its app, in $PAAS_HOME/logs/events.log. Only names go in
 * the log, never payloads (config values, output streams).
 */
export const eventsPart: Part = {
  name: 'events',
  description: 'events, events:list, events:on, events:off: the log of what paas did',
  register({ commands, events, store, paths }) {
    const file = join(paths.logs, 'events.log');
    const on = () => store.properties.get(null, SETTING.namespace, SETTING.key) !== 'true';
    events.observe((event, payload) => {
      if (!on()) return;
      try {
        if (existsSync(file) && statSync(file).size > MAX_LOG) renameSync(file, `${file}.1`);
        appendFileSync(file, `${new Date().toISOString()} paas[${process.pid}]: INVOKED: ${event}( ${subjectOf(payload)} )\n`, {
          mode: 0o600,
        });
      } catch {
        // the event log is best effort: a full disk must not fail a deploy
      }
    });

    commands.register({
      name: 'events',
      summary: 'Show the last events paas logged (-t: keep following)',
      usage: '[-t] [-n N]',
      examples: ['paas events', 'paas events -t'],
      flags: {
        tail: { type: 'boolean', short: 't', description: 'keep printing new events until interrupted' },
        num: { type: 'string', short: 'n', description: 'how many lines, default 100', placeholder: 'N' },
      },
      arity: [0, 0],
      async handler({ flags, stdout, signal }) {
        const lines = flags.num === undefined ? 100 : Number(flags.num);
        if (!Number.isInteger(lines) || lines < 1 || lines > 100_000) throw new UserError('-n must be a number from 1 to 100000');
        if (!existsSync(file)) {
          if (!flags.tail) return;
          appendFileSync(file, '', { mode: 0o600 });
        }
        await tailLog(file, { follow: flags.tail === true, lines, stdout, signal });
      },
    });

    commands.register({
      name: 'events:list',
      summary: 'List the events paas logs',
      usage: '',
      examples: ['paas events:list'],
      arity: [0, 0],
      handler({ stdout }) {
        writeLine(stdout, '=====> Events currently logged');
        for (const name of on() ? events.names() : []) writeLine(stdout, name);
      },
    });

    for (const [verb, off] of [
      ['on', false],
      ['off', true],
    ] as const) {
      commands.register({
        name: `events:${verb}`,
        summary: off ? 'Stop logging events' : 'Log events again (the default)',
        usage: '',
        examples: [`paas events:${verb}`],
        arity: [0, 0],
        handler({ stdout }) {
          store.properties.set(null, SETTING.namespace, SETTING.key, off ? 'true' : undefined);
          writeLine(stdout, off ? 'Disabling paas events logger' : 'Enabling paas events logger');
        },
      });
    }
  },
};

/** The app (or apps, or service) an event is about; nothing else of its payload. */
function subjectOf(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return '';
  const record = payload as Record<string, unknown>;
  const names = ['app', 'oldName', 'newName', 'plugin', 'service']
    .map((key) => record[key])
    .filter((value): value is string => typeof value === 'string');
  return names.join(' ');
}
