import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { fingerprintOf, parsePublicKey, verifyKeySignature } from '../../../src/git/ssh-public-key.js';

const { utils } = ssh2;

// Lines and fingerprints as `ssh-keygen -t TYPE` and `ssh-keygen -lf` produced them.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINJOaS6DEzJLXCVYECDUKapN6EhWCxaJzcuYVNwExfu7 me@host';
const ECDSA =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFRKVdUIR50eJcCPaYOqzfRR//Vbb6S+ZxrppMeGWOibdpjG4NgJ3zQ4qvnljkQg3YbLEPrVBIZvWODYlZHRr3I= me@host';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDOCThi3v9q6BhJ0YFlpUKZQoHa4d0u7RSLpuoyDgbYhP1/NZK9MXGBvEzldSuCGEnA0+rpYs5mA6hVnn/tjGp3o+bHhEygFCuZSPeY+pwNH/rSL252OOPA6Ych2jrBBJDZSlGjnypbml0McPof1Z2RSu6p06aNKKPp4YGJDxB/3/7z70wSI2XtCYtKP5HSDy149ReLEYIqIzKqisZe025Ed6SAIu0AQvHQCpvvywd1rdZ2f6QukvbVhpsE3fDJx4YVecAfKkhrsvEEJkLJ/qDzuhgm3x1oSh78YMph6j0zb3oj3z10BQ7e3munpIugynFd30CT6THuebpTdYMOsxu3 rsa@host';

describe('parsePublicKey', () => {
  it.each([
    [ED25519, 'ssh-ed25519', 'SHA256:W5fwEVq/Fr1/48YAyBo1E1qzSt3pwxcPEFIGiOspu20'],
    [ECDSA, 'ecdsa-sha2-nistp256', 'SHA256:/AFY5kAsi8dOKoGPnSfvJTU5gB9cnQUOglnuNMJzzoc'],
    [RSA, 'ssh-rsa', 'SHA256:iGpZZ+RcQYSRfAjYoxLuFofQDoTHya8WXmg96nIhFJU'],
  ])('reads a %s line with the fingerprint ssh-keygen -lf prints', (line, type, fingerprint) => {
    const key = parsePublicKey(`${line}\n`);
    expect(key).toMatchObject({ type, line, fingerprint });
    expect(fingerprintOf(key.blob)).toBe(fingerprint);
  });

  it('ignores blank lines, comments, CRLF and extra spaces; keeps a comment with spaces', () => {
    const [type, base64] = ED25519.split(' ');
    const key = parsePublicKey(`# my laptop\r\n\r\n  ${type}   ${base64}  Alice  Smith \r\n`);
    expect(key.line).toBe(`${type} ${base64} Alice Smith`);
    expect(parsePublicKey(`${type} ${base64}`).line).toBe(`${type} ${base64}`);
  });

  it.each([
    ['', /no public key given/],
    ['\n# only a comment\n', /no public key given/],
    [`${ED25519}\n${ECDSA}\n`, /give one public key at a time \(got 2 lines\)/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...\n-----END OPENSSH PRIVATE KEY-----\n', /that is a private key/],
    ['hello world', /not an OpenSSH public key line/],
    [`command="id" ${ED25519}`, /not an OpenSSH public key line/],
    ['ssh-dss AAAAB3NzaC1kc3MAAACBAP', /ssh-dss keys are not supported/],
    ['sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t', /sk-ssh-ed25519@openssh.com keys are not supported/],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx', /malformed ssh-ed25519 public key/],
    ['ssh-ed25519 not*base64', /malformed ssh-ed25519 public key/],
    // an ecdsa blob announced as ed25519
    [`ssh-ed25519 ${ECDSA.split(' ')[1]}`, /malformed ssh-ed25519 public key/],
  ])('refuses %j with one clear line', (text, message) => {
    expect(() => parsePublicKey(text)).toThrow(UserError);
    expect(() => parsePublicKey(text)).toThrow(message);
  });
});

/** ssh2 now and then generates a private key its own parser refuses (see src/ssh/host-key.ts): make another. */
function readableKeyPair(type: 'ed25519' | 'ecdsa') {
  for (;;) {
    const pair = utils.generateKeyPairSync(type, type === 'ecdsa' ? { bits: 256 } : {});
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

describe('verifyKeySignature', () => {
  const data = Buffer.from('session id and userauth request');

  it.each(['ed25519', 'ecdsa'] as const)('accepts only a %s signature made by the stored key', (type) => {
    const mine = readableKeyPair(type);
    const theirs = readableKeyPair(type);
    const signer = utils.parseKey(mine.private);
    const forger = utils.parseKey(theirs.private);
    if (signer instanceof Error || forger instanceof Error) throw new Error('test keys did not parse');

    expect(verifyKeySignature(mine.public, data, signer.sign(data), undefined)).toBe(true);
    // A client that presents my public key but signs with another private key.
    expect(verifyKeySignature(mine.public, data, forger.sign(data), undefined)).toBe(false);
    // My signature over different data (a replay into another session).
    expect(verifyKeySignature(mine.public, Buffer.from('another session'), signer.sign(data), undefined)).toBe(false);
    expect(verifyKeySignature(mine.public, data, Buffer.alloc(64), undefined)).toBe(false);
    expect(verifyKeySignature(mine.public, data, Buffer.alloc(0), undefined)).toBe(false);
    expect(verifyKeySignature('not a key', data, signer.sign(data), undefined)).toBe(false);
  });

  it('checks rsa signatures with the hash the client named', () => {
    const mine = utils.generateKeyPairSync('rsa', { bits: 2048 });
    const theirs = utils.generateKeyPairSync('rsa', { bits: 2048 });
    const signer = utils.parseKey(mine.private);
    const forger = utils.parseKey(theirs.private);
    if (signer instanceof Error || forger instanceof Error) throw new Error('test keys did not parse');

    expect(verifyKeySignature(mine.public, data, signer.sign(data, 'sha512'), 'sha512')).toBe(true);
    expect(verifyKeySignature(mine.public, data, signer.sign(data, 'sha512'), 'sha256')).toBe(false);
    expect(verifyKeySignature(mine.public, data, forger.sign(data, 'sha512'), 'sha512')).toBe(false);
  });
});

describe('weak keys', () => {
  it('refuses rsa keys under 2048 bits and accepts 2048', () => {
    const weak = utils.generateKeyPairSync('rsa', { bits: 1024 }).public;
    expect(() => parsePublicKey(weak)).toThrow(/this rsa key has 1024 bits, which is too weak/);
    const strong = utils.generateKeyPairSync('rsa', { bits: 2048 }).public;
    expect(parsePublicKey(strong).type).toBe('ssh-rsa');
  });
});
