import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { appOfRemote } from '../../../src/cli/app-hint.js';
import type { CommandSpec } from '../../../src/core/command.js';
import { takeGlobalFlags, takesApp, withApp } from '../../../src/core/global-flags.js';
import { quietWriter } from '../../../src/core/quiet-output.js';

const spec = (usage: string, arity: readonly [number, number]): CommandSpec => ({
  name: 'x:y',
  summary: '',
  usage,
  examples: [],
  arity,
  handler: () => undefined,
});

describe('global flags', () => {
  it('takes Dokku behaviour flags before the command only', () => {
    expect(takeGlobalFlags(['--quiet', '--force', '--app', 'blog', 'apps:destroy', '--trace'])).toEqual({
      flags: { quiet: true, trace: false, force: true, app: 'blog' },
      rest: ['apps:destroy', '--trace'],
    });
    expect(takeGlobalFlags(['--app=blog', '--app-hint', 'web', 'config'])).toMatchObject({
      flags: { app: 'blog', appHint: 'web' },
      rest: ['config'],
    });
    expect(() => takeGlobalFlags(['--app'])).toThrow(/--app needs an app name/);
  });

  it('knows which commands take an app first', () => {
    expect(takesApp(spec('APP KEY=VALUE...', [2, Infinity]))).toBe(true);
    expect(takesApp(spec('[--global] APP KEY', [1, 2]))).toBe(true);
    expect(takesApp(spec('[--index N] APP URL', [2, 2]))).toBe(true);
    expect(takesApp(spec('[--global|APP] KEY [VALUE]', [1, 3]))).toBe(true);
    expect(takesApp(spec('[APP|--global] [--git-KEY]', [0, 1]))).toBe(true);
    expect(takesApp(spec('OLD NEW', [2, 2]))).toBe(false);
    expect(takesApp(spec('', [0, 0]))).toBe(false);
  });

  it('puts --app first; a hint only where the command line has no app of its own', () => {
    const exists = (name: string) => name === 'blog';
    const config = spec('APP KEY=VALUE...', [2, Infinity]);
    const create = spec('APP', [1, 1]);
    expect(withApp(config, ['A=1'], { quiet: false, trace: false, force: false, app: 'web' }, exists)).toEqual(['web', 'A=1']);
    const hinted = { quiet: false, trace: false, force: false, appHint: 'web' };
    expect(withApp(config, ['A=1'], hinted, exists)).toEqual(['web', 'A=1']);
    expect(withApp(config, ['blog', 'A=1'], hinted, exists)).toEqual(['blog', 'A=1']);
    expect(withApp(create, ['new'], hinted, exists)).toEqual(['new']);
    expect(withApp(create, [], hinted, exists)).toEqual(['web']);
    expect(withApp(spec('', [0, 0]), [], hinted, exists)).toEqual([]);
    expect(withApp(config, ['A=1'], hinted, exists, true)).toEqual(['A=1']);
  });

  it('finds the app of a Dokku or paas git remote', () => {
    expect(appOfRemote('dokku@my-server:blog')).toBe('blog');
    expect(appOfRemote('ssh://paas@host:2222/blog')).toBe('blog');
    expect(appOfRemote('https://paas:TOKEN@host:8765/blog.git')).toBe('blog');
    expect(appOfRemote('not a remote')).toBeUndefined();
  });
});

describe('--quiet output', () => {
  async function quiet(chunks: readonly string[]): Promise<string> {
    const target = new PassThrough();
    let out = '';
    target.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const writer = quietWriter(target);
    for (const chunk of chunks) writer.stream.write(chunk);
    await writer.close();
    return out;
  }

  it('drops header and progress lines, keeps values, whatever the chunking', async () => {
    const text = '=====> My Apps\nblog\n-----> Setting x\n       detail\nweb\n-----'; // last line: no header
    expect(await quiet([text])).toBe('blog\n       detail\nweb\n-----');
    expect(await quiet(text.split(''))).toBe('blog\n       detail\nweb\n-----');
    expect(await quiet(['==', '===> My', ' Apps\nbl', 'og\n'])).toBe('blog\n');
    expect(await quiet(['\n', 'ok'])).toBe('\nok');
  });
});
