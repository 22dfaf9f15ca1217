import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { appReport, globalReport, planChange, reportJson, reportLabel, singleValue, type TopicSpec } from '../../../src/core/properties.js';
import { Store } from '../../../src/store/store.js';

const topic: TopicSpec = {
  topic: 'demo',
  namespace: 'demo',
  properties: [
    { key: 'size', scope: 'app+global', summary: 'a size', default: '1m', validate: (v) => (/^\d+m$/.test(v) ? v : fail(v)) },
    { key: 'mode', scope: 'app', summary: 'per app only' },
    { key: 'switch', scope: 'global', summary: 'global only', default: 'false' },
  ],
  fields: () => ({ dir: '/srv/demo', deployed: 'true' }),
  unprefixed: (key) => key === 'deployed',
};

function fail(value: string): never {
  throw new UserError(`bad ${value}`);
}

function fixture() {
  const store = Store.open(':memory:');
  const app = store.apps.create('blog');
  return { store, app };
}

describe('planChange', () => {
  it('validates the value, and treats no value as unset', () => {
    const { app } = fixture();
    expect(planChange(topic, { app, global: false }, 'size', '5m')).toMatchObject({ namespace: 'demo', key: 'size', value: '5m' });
    expect(planChange(topic, { app, global: false }, 'size', undefined).value).toBeUndefined();
    expect(planChange(topic, { app, global: false }, 'size', '').value).toBeUndefined();
    expect(() => planChange(topic, { app, global: false }, 'size', '5 m')).toThrow(/bad 5 m/);
  });

  it('refuses unknown keys and the wrong scope', () => {
    const { app } = fixture();
    expect(() => planChange(topic, { app, global: false }, 'nope', '1')).toThrow(
      /unknown demo property "nope"; the properties are: size, mode, switch/,
    );
    expect(() => planChange(topic, { app: undefined, global: true }, 'mode', 'x')).toThrow(/per app/);
    expect(() => planChange(topic, { app, global: false }, 'switch', 'true')).toThrow(/global only/);
  });
});

describe('reports', () => {
  it('shows app, global and computed values per scope, sorted, with read-only fields', async () => {
    const { store, app } = fixture();
    store.properties.set(null, 'demo', 'size', '9m');
    store.properties.set(app.id, 'demo', 'mode', 'fast');
    const rows = await appReport(store.properties, topic, app);
    expect([...rows]).toEqual([
      ['computed-mode', 'fast'],
      ['computed-size', '9m'],
      ['computed-switch', 'false'],
      ['deployed', 'true'],
      ['dir', '/srv/demo'],
      ['global-size', '9m'],
      ['global-switch', 'false'],
      ['mode', 'fast'],
      ['size', ''],
    ]);
    expect([...(await globalReport(store.properties, topic))]).toEqual([
      ['global-size', '9m'],
      ['global-switch', 'false'],
    ]);
  });

  it('labels, JSON keys and single values follow the flag names', async () => {
    const { store, app } = fixture();
    const rows = await appReport(store.properties, topic, app);
    expect(reportLabel(topic, 'computed-size')).toBe('Demo computed size');
    expect(reportLabel(topic, 'deployed')).toBe('Deployed');
    expect(reportJson(topic, rows)).toMatchObject({ 'computed-size': '1m', 'demo-computed-size': '1m', deployed: 'true' });
    expect(singleValue(topic, rows, 'demo-computed-size')).toBe('1m');
    expect(singleValue(topic, rows, 'deployed')).toBe('true');
    expect(() => singleValue(topic, rows, 'demo-nope')).toThrow(/invalid flag passed --demo-nope; valid flags: --demo-computed-mode, /);
  });
});
