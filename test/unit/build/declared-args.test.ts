import { describe, expect, it } from 'vitest';
import { declaredArgs } from '../../../src/build/dockerfile-builder.js';

describe('declaredArgs', () => {
  it('keeps the offered args a Dockerfile declares with ARG, in any stage and with a default', () => {
    const dockerfile = 'FROM node:20 AS build\n  arg GIT_REV=unknown\nRUN echo $GIT_REV\nFROM busybox\nARG OTHER\n';
    expect(declaredArgs(dockerfile, { GIT_REV: 'abc', OTHER: 'x', UNUSED: 'y' })).toEqual({ GIT_REV: 'abc', OTHER: 'x' });
  });

  it('keeps none when the Dockerfile declares none (Docker would warn they were not consumed)', () => {
    expect(declaredArgs('FROM busybox\nRUN echo GIT_REV\n', { GIT_REV: 'abc' })).toEqual({});
  });
});
