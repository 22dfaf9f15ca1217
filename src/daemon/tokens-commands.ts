import { UserError } from '../core/errors.js';
import { assertTokenName } from '../core/names.js';
import { FORMAT_FLAG, renderTable, writeJson, writeLine } from '../core/output.js';
import { generateToken, hashToken } from './api-tokens.js';
import type { Part } from '../core/part.js';

export const tokensPart: Part = {
  name: 'tokens',
  description: 'tokens:* commands: API tokens for the HTTP API and git over HTTP',
  register({ commands, store, settings }) {
    commands.register({
      name: 'tokens:create',
      summary: 'Create an API token (shown once)',
      usage: 'NAME',
      description:
        'The token authenticates the HTTP API and git over HTTP, e.g.\n' +
        `  git remote add paas ${settings.apiTls ? 'https' : 'http'}://paas:TOKEN@HOST:${settings.apiPort}/blog.git\n` +
        (settings.apiTls ? 'The API speaks TLS with its own certificate: see paas api:fingerprint and paas api:certificate.' : ''),
      examples: ['paas tokens:create laptop'],
      arity: [1, 1],
      handler({ args: [name], stdout }) {
        assertTokenName(name);
        if (store.apiTokens.exists(name)) {
          throw new UserError(`a token named "${name}" exists; remove it first with: paas tokens:remove ${name}`);
        }
        const token = generateToken();
        store.apiTokens.add(name, hashToken(token));
        writeLine(stdout, token);
      },
    });

    commands.register({
      name: 'tokens:list',
      summary: 'List API tokens (names, not secrets)',
      usage: '',
      examples: ['paas tokens:list'],
      flags: FORMAT_FLAG,
      arity: [0, 0],
      handler({ flags, stdout }) {
        const tokens = store.apiTokens.list();
        if (flags.format === 'json') return writeJson(stdout, tokens);
        stdout.write(
          renderTable(
            ['NAME', 'CREATED', 'LAST USED'],
            tokens.map((t) => [t.name, t.createdAt, t.lastUsedAt ?? 'never']),
          ),
        );
      },
    });

    commands.register({
      name: 'tokens:remove',
      summary: 'Revoke an API token',
      usage: 'NAME',
      examples: ['paas tokens:remove laptop'],
      arity: [1, 1],
      handler({ args: [name], stdout }) {
        assertTokenName(name);
        if (!store.apiTokens.remove(name)) throw new UserError(`no token named "${name}"; see: paas tokens:list`);
        writeLine(stdout, `-----> Removed token ${name}`);
      },
    });
  },
};
