import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../src/core/command.js';
import { UserError } from '../../../src/core/errors.js';
import { executeCommand } from '../../../src/core/execute.js';
import { FrameDecoder, FrameKind, encodeFrame } from '../../../src/core/frames.js';
import { assertAppName } from '../../../src/core/names.js';
import { CommandRegistry } from '../../../src/core/registry.js';
import { closest } from '../../../src/core/suggest.js';

const command = (name: string, handler: CommandSpec['handler'] = () => undefined): CommandSpec => ({
  name,
  summary: `${name} summary`,
  usage: 'APP',
  examples: [`paas ${name} blog`],
  arity: [0, 1],
  handler,
});

function collect() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

async function exec(registry: CommandRegistry, argv: string[]) {
  const out = collect();
  const err = collect();
  const internal: object[] = [];
  const logged: object[] = [];
  const code = await executeCommand(
    registry,
    argv,
    {
      stdout: out.stream,
      stderr: err.stream,
      stdin: new PassThrough(),
      actor: { name: 'test', transport: 'socket' },
      signal: new AbortController().signal,
    },
    { logger: { info: (fields) => logged.push(fields), error: (fields) => internal.push(fields) } },
  );
  return { code, stdout: out.text(), stderr: err.text(), internal, logged };
}

describe('CommandRegistry', () => {
  it('resolves names and aliases and refuses duplicates', () => {
    const registry = new CommandRegistry();
    registry.register({ ...command('config:show'), aliases: ['config'] });
    expect(registry.resolve('config').name).toBe('config:show');
    expect(() => registry.register(command('config'))).toThrow(/registered twice/);
  });

  it('suggests the closest command for a typo', () => {
    const registry = new CommandRegistry();
    registry.register(command('apps:create'));
    registry.register(command('apps:list'));
    expect(() => registry.resolve('apps:craete')).toThrow('did you mean "apps:create"?');
    expect(() => registry.resolve('zzzzzzzz')).toThrow(/unknown command "zzzzzzzz"; list all commands with: paas help/);
    expect(closest('confg:set', ['config:set', 'apps:list'])).toBe('config:set');
  });
});

describe('executeCommand', () => {
  it('turns a UserError into one line on stderr and its exit code', async () => {
    const registry = new CommandRegistry();
    registry.register(
      command('fail', () => {
        throw new UserError('first line\nsecond line', 3);
      }),
    );
    expect(await exec(registry, ['fail'])).toMatchObject({ code: 3, stderr: 'error: first line second line\n' });
  });

  it('reports unexpected errors as internal and logs them', async () => {
    const registry = new CommandRegistry();
    registry.register(
      command('boom', () => {
        throw new TypeError('x is undefined');
      }),
    );
    const result = await exec(registry, ['boom']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: internal error: x is undefined/);
    expect(result.internal).toHaveLength(1);
  });

  it('logs every command line before it runs, with its declared secrets hidden, and internal errors likewise', async () => {
    const registry = new CommandRegistry();
    registry.register({
      ...command('secret:set', () => {
        throw new TypeError('broken');
      }),
      arity: [0, Infinity],
      secrets: { args: 'assignments' },
    });
    const result = await exec(registry, ['secret:set', 'blog', 'TOKEN=hunter2']);
    expect(result.logged).toEqual([{ argv: ['secret:set', 'blog', 'TOKEN=***'], actor: { name: 'test', transport: 'socket' } }]);
    expect(result.internal).toEqual([expect.objectContaining({ argv: ['secret:set', 'blog', 'TOKEN=***'] })]);
    expect(JSON.stringify(result.logged) + JSON.stringify(result.internal.map((e) => ({ ...e, err: undefined })))).not.toContain('hunter2');
  });

  it('answers --help with usage and an example', async () => {
    const registry = new CommandRegistry();
    registry.register(command('apps:create'));
    const result = await exec(registry, ['apps:create', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: paas apps:create APP');
    expect(result.stdout).toContain('paas apps:create blog');
  });
});

describe('frames', () => {
  it('round-trips binary payloads split at any byte', () => {
    const payload = Buffer.from([0, 1, 2, 255, 10, 13]);
    const wire = Buffer.concat([encodeFrame(FrameKind.Stdout, payload), encodeFrame(FrameKind.Exit, '7')]);
    const decoder = new FrameDecoder();
    const frames = [...wire].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(frames.map((f) => [f.kind, [...f.payload]])).toEqual([
      [FrameKind.Stdout, [...payload]],
      [FrameKind.Exit, [...Buffer.from('7')]],
    ]);
  });
});

describe('app names', () => {
  it('accepts Dokku-style names and refuses the rest', () => {
    for (const name of ['a', 'blog', 'my-app-2', '1app', '2048', 'a'.repeat(63)]) expect(assertAppName(name)).toBe(name);
    for (const name of ['', 'Blog', '-app', 'a_b', 'a.b', '../etc', 'a'.repeat(64), 'a b', 'a;b', 'blog-', 'a-', 'b--']) {
      expect(() => assertAppName(name)).toThrow(UserError);
    }
  });
});
