import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Positionals } from '../../../src/core/command.js';
import { CommandRegistry } from '../../../src/core/registry.js';

describe('typed positionals', () => {
  it('types args from a literal arity (checked by npm run typecheck)', () => {
    expectTypeOf<Positionals<1, 1>>().toEqualTypeOf<[string]>();
    expectTypeOf<Positionals<1, 3>>().toEqualTypeOf<[string, string?, string?]>();
    expectTypeOf<Positionals<0, 0>>().toEqualTypeOf<[]>();
    expectTypeOf<Positionals<2, typeof Infinity>>().toEqualTypeOf<[string, string, ...string[]]>();
    expectTypeOf<Positionals<number, number>>().toEqualTypeOf<string[]>();
  });

  it('gives a registered handler its typed args', async () => {
    const registry = new CommandRegistry();
    let seen: readonly string[] = [];
    registry.register({
      name: 'demo:set',
      summary: 'demo',
      usage: 'APP KEY [VALUE]',
      examples: ['paas demo:set blog key value'],
      arity: [2, 3],
      handler({ args: [app, key, value] }) {
        expectTypeOf(app).toEqualTypeOf<string>();
        expectTypeOf(value).toEqualTypeOf<string | undefined>();
        seen = [app, key, value ?? '(unset)'];
      },
    });
    const spec = registry.resolve('demo:set');
    await spec.handler({ args: ['blog', 'key'] } as unknown as Parameters<typeof spec.handler>[0]);
    expect(seen).toEqual(['blog', 'key', '(unset)']);
  });
});
