import { describe, expect, it } from 'vitest';
import { buildFingerprint, stableJson, type BuildIdentity } from '../../../src/deploy/build-reuse.js';

const identity: BuildIdentity = {
  tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  subdir: '',
  builder: 'dockerfile',
  inputs: { buildArgs: { NODE_ENV: 'production' } },
  settings: { builder: {}, 'builder-dockerfile': { 'build-args': 'NODE_ENV' } },
};

describe('build fingerprint', () => {
  it('does not depend on key order', () => {
    expect(stableJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
    const reordered: BuildIdentity = {
      settings: identity.settings,
      inputs: identity.inputs,
      builder: 'dockerfile',
      subdir: '',
      tree: identity.tree,
    };
    expect(buildFingerprint(reordered)).toBe(buildFingerprint(identity));
  });

  it('changes with the files, the builder, a build arg value or a build setting', () => {
    const base = buildFingerprint(identity);
    expect(buildFingerprint({ ...identity, tree: 'a'.repeat(40) })).not.toBe(base);
    expect(buildFingerprint({ ...identity, builder: 'buildpacks' })).not.toBe(base);
    expect(buildFingerprint({ ...identity, subdir: 'api' })).not.toBe(base);
    expect(buildFingerprint({ ...identity, inputs: { buildArgs: { NODE_ENV: 'development' } } })).not.toBe(base);
    expect(buildFingerprint({ ...identity, settings: { ...identity.settings, buildpacks: { stack: 'x' } } })).not.toBe(base);
  });
});
