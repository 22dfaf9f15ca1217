import { describe, expect, it } from 'vitest';
import { parseProcfile } from '../../../src/deploy/procfile.js';

describe('parseProcfile', () => {
  it('reads types, skips comments and blank lines, keeps a # inside the command', () => {
    const text = '# processes\r\nweb: node server.js --greeting "#1"\n\n// cron below\nworker:node worker.js\ncustom: echo -n\n';
    expect(parseProcfile(text)).toEqual({
      web: 'node server.js --greeting "#1"',
      worker: 'node worker.js',
      custom: 'echo -n',
    });
  });

  it.each([
    ['web node server.js', /line 1 is not "type: command"/],
    ['web:', /line 1 is not "type: command"/],
    ['-web: x', /line 1 is not "type: command"/],
    ['web: a\nweb: b', /defines "web" twice \(line 2\)/],
  ])('refuses %j', (text, message) => {
    expect(() => parseProcfile(text)).toThrow(message);
  });
});
