import { describe, expect, it } from 'vitest';
import { aliasesOf, processAliases } from '../../../src/deploy/naming.js';
import { dockerNetworkName } from '../../../src/network/network-part.js';
import { assertNetworkName, parseNetworkList } from '../../../src/network/network-names.js';

describe('network names', () => {
  it('keeps user networks under the instance prefix the scheduler manages', () => {
    expect(dockerNetworkName('ab12cd34', 'backend')).toBe('paas-ab12cd34-network-backend');
    expect(assertNetworkName('back_end-2')).toBe('back_end-2');
    for (const bad of ['', 'Back', '-x', 'x-', 'a b', 'host/x', 'x'.repeat(33)])
      expect(() => assertNetworkName(bad), bad).toThrow(/invalid network name/);
  });

  it('reads network lists separated by spaces or commas', () => {
    expect(parseNetworkList('a, b  a', false)).toBe('a b');
    expect(() => parseNetworkList('a b', true)).toThrow(/initial-network takes one network/);
    expect(() => parseNetworkList('a B', false)).toThrow(/invalid network name "B"/);
  });

  it('names a process APP.PROCESS on shared networks, one-offs nothing', () => {
    expect(processAliases('blog', 'web')).toEqual(['blog.web']);
    expect(aliasesOf({ 'paas.app': 'blog', 'paas.process': 'worker', 'paas.role': 'process' })).toEqual(['blog.worker']);
    expect(aliasesOf({ 'paas.app': 'blog', 'paas.role': 'one-off' })).toBeUndefined();
  });
});
