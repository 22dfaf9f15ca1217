import { describe, expect, it } from 'vitest';
import { tokenFromAuthorization } from '../../../src/daemon/api-tokens.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('tokenFromAuthorization', () => {
  it('takes the token from Bearer, or from the password of Basic (git over HTTP)', () => {
    expect(tokenFromAuthorization('Bearer abc.def')).toBe('abc.def');
    expect(tokenFromAuthorization('bearer abc')).toBe('abc');
    expect(tokenFromAuthorization(basic('paas:secret:with:colons'))).toBe('secret:with:colons');
  });

  it.each([undefined, '', 'Bearer', 'Token abc', basic('no-colon')])('finds no token in %j', (header) => {
    expect(tokenFromAuthorization(header)).toBeUndefined();
  });
});
