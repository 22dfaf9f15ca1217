import { describe, expect, it } from 'vitest';
import { partition } from '../../../src/deploy/converger.js';
import type { ProcessContainer } from '../../../src/deploy/scheduler.js';
import type { ReleaseRow } from '../../../src/store/releases.js';

const release = {
  version: 4,
  formation: { web: { count: 2, command: null }, worker: { count: 0, command: 'w' } },
} as Pick<ReleaseRow, 'version' | 'formation'> as ReleaseRow;

let serial = 0;
const container = (type: string, index: number, version: number, running = true): ProcessContainer => ({
  id: `c${++serial}`,
  name: `blog.${type}.${index}`,
  appId: 1,
  type,
  index,
  release: version,
  running,
  ip: running ? `10.0.0.${serial}` : undefined,
});

describe('converger partition', () => {
  it('keeps one container per wanted type.index of the current release; everything else is a stray', () => {
    const web1 = container('web', 1, 4);
    const web2 = container('web', 2, 4);
    const old = container('web', 1, 3);
    const extra = container('web', 3, 4);
    const worker = container('worker', 1, 4);
    const { keep, strays } = partition([web1, old, web2, extra, worker], release);
    expect([...keep.keys()].sort()).toEqual(['web.1', 'web.2']);
    expect(keep.get('web.1')).toBe(web1);
    expect(strays).toEqual([old, extra, worker]);
  });

  it('prefers a running duplicate over a stopped one', () => {
    const stopped = container('web', 1, 4, false);
    const running = container('web', 1, 4, true);
    const { keep, strays } = partition([stopped, running], release);
    expect(keep.get('web.1')).toBe(running);
    expect(strays).toEqual([stopped]);
  });
});
