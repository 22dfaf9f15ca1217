import { describe, expect, it } from 'vitest';
import { batches, changedTypes, describeFormation, formationFor, parseScale, scaled } from '../../../src/deploy/formation.js';
import type { Formation } from '../../../src/store/releases.js';

const types = { web: 'node server.js', worker: 'node worker.js', release: 'node migrate.js' };

describe('formationFor', () => {
  it('starts only web on a first deploy and never runs release as a process', () => {
    expect(formationFor(types, { previous: undefined, pending: {}, appJson: {} })).toEqual({
      web: { count: 1, command: 'node server.js' },
      worker: { count: 0, command: 'node worker.js' },
    });
  });

  it('runs the image CMD as web when there is no Procfile', () => {
    expect(formationFor({}, { previous: undefined, pending: {}, appJson: {} })).toEqual({ web: { count: 1, command: null } });
  });

  it('takes a stored ps:scale over the running counts, and the running counts over the defaults', () => {
    const previous: Formation = { web: { count: 3, command: 'x' }, worker: { count: 2, command: 'y' } };
    const next = formationFor(types, { previous, pending: { worker: 5 }, appJson: {} });
    expect(next.web!.count).toBe(3);
    expect(next.worker!.count).toBe(5);
  });

  it('lets app.json quantities decide when it sets any, types it leaves out get 0', () => {
    const previous: Formation = { web: { count: 3, command: 'x' }, worker: { count: 2, command: 'y' } };
    const next = formationFor(types, { previous, pending: { web: 4 }, appJson: { worker: { quantity: 2, maxParallel: undefined } } });
    expect(describeFormation(next)).toBe('web=0 worker=2');
  });
});

describe('parseScale', () => {
  const formation: Formation = { web: { count: 1, command: null }, worker: { count: 0, command: 'w' } };

  it('reads TYPE=COUNT pairs', () => {
    expect(parseScale(['web=2', 'worker=0'], formation)).toEqual({ web: 2, worker: 0 });
  });

  it.each([
    [['web'], /is not TYPE=COUNT/],
    [['web=-1'], /is not TYPE=COUNT/],
    [['release=1'], /release is a deploy task/],
    [['clock=1'], /has no process type "clock"; it has: web, worker/],
    [['web=101'], /at most 100 web containers/],
  ])('refuses %j', (args, message) => {
    expect(() => parseScale(args, formation)).toThrow(message);
  });

  it('accepts any type before the first deploy (no formation yet)', () => {
    expect(parseScale(['clock=1'])).toEqual({ clock: 1 });
  });
});

describe('scaled and changedTypes', () => {
  it('changes only the named types and reports which ones moved', () => {
    const before: Formation = { web: { count: 1, command: null }, worker: { count: 1, command: 'w' } };
    const after = scaled(before, { worker: 3 });
    expect(after).toEqual({ web: { count: 1, command: null }, worker: { count: 3, command: 'w' } });
    expect(changedTypes(before, after)).toEqual(['worker']);
  });
});

describe('batches', () => {
  it('splits by max_parallel, or keeps everything together without it', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([1, 2, 3], undefined)).toEqual([[1, 2, 3]]);
    expect(batches([1, 2, 3], 0)).toEqual([[1, 2, 3]]);
    expect(batches([], 2)).toEqual([]);
  });
});
