import { describe, expect, it } from 'vitest';
import { statusOf } from '../../../src/api/http-commands.js';
import { errorMessage } from '../../../src/api/run-command.js';
import { serviceKinds } from '../../../src/api/service-routes.js';
import { CommandRegistry } from '../../../src/core/registry.js';

describe('API errors are the CLI line', () => {
  it('takes the last error line of stderr without its prefix', () => {
    expect(errorMessage({ code: 1, stderr: 'warning: x\nerror: app "a" does not exist; create it with: paas apps:create a\n' })).toBe(
      'app "a" does not exist; create it with: paas apps:create a',
    );
    expect(errorMessage({ code: 1, stderr: 'App does not exist\n' })).toBe('App does not exist');
    expect(errorMessage({ code: 3, stderr: '' })).toBe('the command failed with exit code 3');
  });

  it('maps messages to HTTP statuses', () => {
    expect(statusOf('app "a" does not exist; create it with: paas apps:create a')).toBe(404);
    expect(statusOf('web has no release v9; see: paas releases web')).toBe(404);
    expect(statusOf('internal error: boom (details in the daemon log)')).toBe(500);
    expect(statusOf('"x" is not a release version like v3')).toBe(400);
  });
});

describe('service kinds', () => {
  it('are the topics with both a list and a link command', () => {
    const registry = new CommandRegistry();
    const command = (name: string) =>
      registry.register({ name, summary: name, usage: '', examples: [], arity: [0, 0], handler: () => undefined });
    for (const name of ['postgres:list', 'postgres:link', 'redis:list', 'redis:link', 'apps:list', 'ssh-keys:list']) command(name);
    expect(serviceKinds(registry)).toEqual(['postgres', 'redis']);
  });
});
