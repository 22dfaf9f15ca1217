import { describe, expect, it } from 'vitest';
import { chooseKey, parseColonKeys } from '../../../src/backups/gpg.js';

const FPR_A = 'A'.repeat(32) + '1234ABCD';
const FPR_B = 'B'.repeat(40);
const listing = (kind: 'pub' | 'sec', fpr: string, caps: string, uid: string) =>
  [
    `${kind}:-:255:22:${fpr.slice(-16)}:1764547200:::-:::${caps}:::::ed25519:::0:`,
    `fpr:::::::::${fpr}:`,
    `uid:-::::1764547200::HASH::${uid}::::::::::0:`,
    `${kind === 'pub' ? 'sub' : 'ssb'}:-:255:18:1111222233334444:1764547200::::::e:::::cv25519::`,
    'fpr:::::::::CCCCCCCCCCCCCCCCCCCCCCCC1111222233334444:',
  ].join('\n');

describe('GPG public keys for backups', () => {
  it("reads each primary key: its fingerprint (not the subkey's), user ids, and whether it can encrypt", () => {
    const keys = parseColonKeys(
      `${listing('pub', FPR_A, 'scESC', 'Backups <b@example.com>')}\n${listing('pub', FPR_B, 'scSC', 'Signer')}\n`,
    );
    expect(keys).toEqual([
      { fingerprint: FPR_A, userIds: ['Backups <b@example.com>'], canEncrypt: true, secret: false },
      { fingerprint: FPR_B, userIds: ['Signer'], canEncrypt: false, secret: false },
    ]);
    expect(parseColonKeys(listing('sec', FPR_A, 'scESC', 'x'))[0]!.secret).toBe(true);
  });

  it('picks the only key that can encrypt, or the one named by a key id or fingerprint suffix', () => {
    const keys = parseColonKeys(`${listing('pub', FPR_A, 'scESC', 'a')}\n${listing('pub', FPR_B, 'scSC', 'b')}`);
    expect(chooseKey(keys, undefined).fingerprint).toBe(FPR_A);
    expect(chooseKey(keys, '0x1234abcd').fingerprint).toBe(FPR_A);
    expect(() => chooseKey(keys, FPR_B)).toThrow(/cannot encrypt/);
    expect(() => chooseKey(keys, '0xDEADBEEF')).toThrow(/^no key with id 0xDEADBEEF/);
    expect(() => chooseKey(keys, 'not-hex')).toThrow(/8 to 40 hex digits/);
    const two = parseColonKeys(`${listing('pub', FPR_A, 'scESC', 'a')}\n${listing('pub', FPR_B, 'scESC', 'b')}`);
    expect(() => chooseKey(two, undefined)).toThrow(/has 2 keys; name one/);
    expect(() => chooseKey([], undefined)).toThrow(/no key on standard input can encrypt/);
  });
});
