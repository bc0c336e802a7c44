import { describe, expect, it } from 'vitest';
import type { ProjectId } from '../../events/index.ts';
import { enrolled, ev, P, POOL, submitted } from '../../test/support/builders.ts';
import { DEFAULT_PRICE_TABLE } from '../costs/price-table.ts';
import { foldLog } from '../projection-states.ts';
import type { Scope } from '../scope.ts';
import { specLog } from '../spec-log.ts';
import { BUCKET_BOUNDS_MS, bucketOf, emptyHistogram, quantile, record } from './histogram.ts';
import { latencyView } from './latency-view.ts';

const ref = { project: P.health, pool: POOL };
const assigned = (taskId: string, workerId: string, attempt = 1) =>
  ev('task.assigned', { taskId, ...ref, workerId, attempt, leaseExpiresAt: 10 ** 12 });
const completed = (taskId: string, workerId: string, attempt = 1) =>
  ev('task.completed', { taskId, ...ref, workerId, attempt });
const view = (items: ReturnType<typeof specLog>, scope: Scope = { kind: 'operator' }) =>
  latencyView(foldLog(items).latency, { scope, now: 0, priceTable: DEFAULT_PRICE_TABLE });

describe('latency histogram', () => {
  it('has fixed log-spaced buckets from 0.1 ms to an hour', () => {
    expect(BUCKET_BOUNDS_MS[0]).toBe(0.1);
    expect(BUCKET_BOUNDS_MS.at(-1)).toBeGreaterThanOrEqual(3_600_000);
    expect(BUCKET_BOUNDS_MS.at(-2)).toBeLessThan(3_600_000);
    for (let i = 1; i < BUCKET_BOUNDS_MS.length; i += 1) {
      const ratio = (BUCKET_BOUNDS_MS[i] ?? 0) / (BUCKET_BOUNDS_MS[i - 1] ?? 1);
      expect(ratio).toBeGreaterThan(1.1);
      expect(ratio).toBeLessThan(1.14);
    }
    // A bound belongs to its own bucket; just above it, to the next.
    for (const [i, bound] of BUCKET_BOUNDS_MS.entries()) {
      expect(bucketOf(bound)).toBe(i);
      expect(bucketOf(bound * 1.0001)).toBe(i + 1);
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(10 * 3_600_000)).toBe(BUCKET_BOUNDS_MS.length);
  });

  it('reads quantiles as the bound of the bucket that holds them, within what was seen', () => {
    const h = emptyHistogram();
    for (let ms = 1; ms <= 100; ms += 1) record(h, ms);
    expect(quantile(h, 0.5)).toBe(50.12); // the 50th of 100 lies in (44.67, 50.12]
    expect(quantile(h, 0.95)).toBe(100); // (89.13, 100]
    expect(quantile(h, 0.99)).toBe(100);
    const one = emptyHistogram();
    record(one, 7);
    expect([quantile(one, 0.5), quantile(one, 0.99)]).toEqual([7, 7]);
    const long = emptyHistogram();
    record(long, 5 * 3_600_000);
    expect(quantile(long, 0.5)).toBe(5 * 3_600_000);
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
  });
});

describe('latency', () => {
  it('measures submit→first assignment and assignment→completion on stream timestamps', () => {
    const at = [0, 1000, 2000, 2003, 2050, 2060, 2500, 2600, 2700];
    const items = specLog(
      [
        enrolled('w1', { capacity: 2 }), // 1000
        [submitted('t1'), submitted('t2')], // 2000
        assigned('t1', 'w1'), // 2003: waited 3 ms
        assigned('t2', 'w1'), // 2050: waited 50 ms
        completed('t1', 'w1'), // 2060: ran 57 ms
        ev('task.failed', {
          taskId: 't2',
          ...ref,
          workerId: 'w1',
          attempt: 1,
          error: { message: 'x' },
        }),
        assigned('t2', 'w1', 2), // 2600: a retry, not a submit→assign wait
        completed('t2', 'w1', 2), // 2700: ran 100 ms
      ],
      { at: (seq) => at[seq] ?? 0 },
    );
    const v = view(items);
    const [group] = v.groups;
    expect(group).toMatchObject({ project: P.health, pool: POOL });
    expect(group?.submitToAssign).toMatchObject({ count: 2, minMs: 3, maxMs: 50, meanMs: 26.5 });
    expect(group?.assignToComplete).toMatchObject({ count: 2, minMs: 57, maxMs: 100, p99Ms: 100 });
    expect(group?.assignToComplete.buckets).toEqual([
      { leMs: 63.1, count: 1 },
      { leMs: 100, count: 1 },
    ]);
    expect(v.total.submitToAssign.count).toBe(2);
  });

  it('times only what the dispatcher accepted', () => {
    const items = specLog([
      enrolled('w1'),
      enrolled('wf', { project: P.fin }),
      submitted('t1'),
      assigned('t1', 'wf'), // refused: cross-project
      assigned('t1', 'w1'),
      completed('t1', 'w1', 2), // refused: stale attempt
    ]);
    const v = view(items);
    expect(v.total.submitToAssign).toMatchObject({ count: 1, minMs: 2000 });
    expect(v.total.assignToComplete.count).toBe(0);
    expect(v.total.assignToComplete.p50Ms).toBeNull();
  });

  it('shows a project only its own groups', () => {
    const items = specLog([
      enrolled('w1'),
      submitted('t1'),
      assigned('t1', 'w1'),
      submitted('f1', { project: P.fin }),
    ]);
    const fin = view(items, { kind: 'project', project: P.fin as ProjectId });
    expect(fin.groups).toEqual([]);
    expect(fin.total.submitToAssign.count).toBe(0);
    expect(view(items).groups).toHaveLength(1);
  });
});
