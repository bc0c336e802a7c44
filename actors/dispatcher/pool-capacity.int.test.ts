import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evolve, initialState } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { PoolId, ProjectId } from '../../events/index.ts';
import { readLog } from '../../projections/audit/index.ts';
import { startLiveFleet } from '../../test/support/live-fleet.ts';
import type { LiveFleet } from '../../test/support/live-fleet.ts';

// A pool capacity of 3 with 2 slots reserved for beta, on a real fleet: alpha floods the pool
// with work of a higher priority, beta's work arrives after. Replaying the stream through the
// pool's fold: the running total never passes 3, the pool fills, and beta runs its 2 reserved
// slots while alpha still has work queued.

const CAPACITY = 3;
let fleet: LiveFleet;

beforeAll(async () => {
  fleet = await startLiveFleet({
    workers: [
      { project: 'alpha', pool: 'gpu', models: ['llama'], capacity: 4 },
      { project: 'beta', pool: 'gpu', models: ['llama'], capacity: 4 },
    ],
    taskMs: 300,
  });
  await fleet.log.append(fleet.log.subjects.limits(ProjectId.parse('alpha'), PoolId.parse('gpu')), {
    type: 'limit.set',
    data: { project: 'alpha', pool: 'gpu', capacity: CAPACITY, reserves: { beta: 2 } },
    meta: { at: Date.now() },
  });
  await fleet.submit('alpha', 'gpu', 'llama', 12, undefined, undefined, 9);
  await fleet.submit('beta', 'gpu', 'llama', 4);
  await fleet.until((s) => {
    const done = (p: string) =>
      s.fleet.pools.find((x) => x.project === p && x.pool === 'gpu')?.tasks.completed;
    return done('alpha') === 12 && done('beta') === 4;
  }, 60_000);
}, 90_000);
afterAll(async () => {
  await fleet.close();
});

describe('a pool capacity with a reserve, on a real fleet', () => {
  it('keeps the running total within the capacity and beta’s reserve free for its work', async () => {
    // Replays the stream through the pool's own fold, judging each assignment before it lands.
    let s: DispatchState = initialState({ pool: PoolId.parse('gpu') });
    let peak = 0;
    let betaWhileAlphaQueued = 0;
    await readLog(
      fleet.log,
      (item) => {
        if (!('events' in item.entry)) return undefined;
        for (const e of item.entry.events) {
          if (e.type === 'task.assigned') {
            const total = Object.values(s.limits.running).reduce((n, v) => n + v, 0);
            expect(total + 1).toBeLessThanOrEqual(CAPACITY);
          }
          s = evolve(s, e, { seq: item.seq, at: item.at }).state;
          const running = Object.values(s.limits.running).reduce((n, v) => n + v, 0);
          peak = Math.max(peak, running);
          const alphaQueued = Object.values(s.queues['alpha'] ?? {})
            .flatMap((q) => Object.values(q))
            .some((ids) => ids.length > 0);
          if (alphaQueued)
            betaWhileAlphaQueued = Math.max(betaWhileAlphaQueued, s.limits.running['beta'] ?? 0);
        }
        return undefined;
      },
      { filter: fleet.log.subjects.pool(PoolId.parse('gpu')) },
    );
    // The pool was full, every task ran, and beta did not wait for alpha's queue to drain.
    expect(peak).toBe(CAPACITY);
    expect(s.limits.running).toEqual({});
    expect(betaWhileAlphaQueued).toBe(2);
  });
});
