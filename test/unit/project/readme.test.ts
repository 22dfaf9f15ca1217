import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { offlineRegistry } from '../../../src/cli/local-help.js';
import { renderCommandReference } from '../../../src/core/command-reference.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('has the command reference of the current registry (run: npm run docs:commands)', () => {
    expect(readme).toContain(renderCommandReference(offlineRegistry().list()));
  });

  it('gives every command an example', () => {
    for (const command of offlineRegistry().list()) expect(command.examples.length, command.name).toBeGreaterThan(0);
  });

  it('documents every setting the daemon reads', () => {
    for (const name of [
      'PAAS_HOME',
      'PAAS_SSH_PORT',
      'PAAS_API_PORT',
      'PAAS_HTTP_PORT',
      'PAAS_HTTPS_PORT',
      'PAAS_LISTEN',
      'PAAS_DOMAIN',
      'DOCKER_HOST',
    ]) {
      expect(readme).toContain(`\`${name}\``);
    }
  });
});
