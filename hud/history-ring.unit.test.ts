import { describe, expect, it } from 'vitest';
import { HistoryRing } from './history-ring.ts';
import type { HistoryPoint } from './history-ring.ts';

const point = (t: number): HistoryPoint => ({
  t,
  completed: t,
  wait: [{ leMs: 1, count: t }],
  run: [],
  waitMaxMs: 1,
  runMaxMs: null,
});

describe('HistoryRing', () => {
  it('keeps the latest points up to its capacity, oldest first', () => {
    const ring = new HistoryRing(3);
    expect(ring.points()).toEqual([]);
    for (const t of [1, 2, 3, 4, 5]) ring.push(point(t));
    expect(ring.points().map((p) => p.t)).toEqual([3, 4, 5]);
  });

  it('hands out a copy: a reader cannot change what it keeps', () => {
    const ring = new HistoryRing(2);
    ring.push(point(1));
    (ring.points() as HistoryPoint[]).pop();
    expect(ring.points()).toHaveLength(1);
  });
});
