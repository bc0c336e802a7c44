import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../../events/index.ts';
import type { PoolId } from '../../events/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { POOL } from '../../test/support/builders.ts';
import { trimHead } from '../../test/support/stream-damage.ts';
import { DivergedError } from '../host/diverged.ts';
import { startDispatcher } from './dispatcher.ts';
import type { Dispatcher } from './dispatcher.ts';

let f: FleetFixture;
let d: Dispatcher | undefined;
beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  await d?.stop();
  await f.close();
});

describe('a stream that lost its history under a running dispatcher', () => {
  it('is retried a bounded number of times, told once, and then stops the dispatcher', async () => {
    const errors: unknown[] = [];
    await f.enroll('w1', { capacity: 2 });
    await f.submit({ taskId: 't1' });
    d = await startDispatcher({
      log: f.log,
      pool: POOL as PoolId,
      // Liveness stays out of the way: only the claim below appends.
      config: { heartbeatMs: 60_000 },
      onError: (e) => errors.push(e),
      divergence: { maxUnresolvedConflicts: 4, divergedPauseMs: () => 1 },
    });
    const first = await f.claim('w1');
    expect('assignments' in first && first.assignments.map((a) => a.taskId)).toEqual(['t1']);

    // The decision subject's history is gone (a guarded stream refuses a purge, but an operator's
    // limit still removes its head); the dispatcher still holds what it folded.
    await f.submit({ taskId: 't2' });
    await trimHead(f.log.jsm, f.log.stream, 1);
    const claim = f.claim('w1', { waitMs: 1_000 });
    const error = await d.failed;

    expect(error).toBeInstanceOf(DivergedError);
    expect(error.message).toMatch(/dispatch.*lost that history under it/);
    // Every attempt counted, and not one more once the dispatcher gave up.
    expect(d.host.stats.unresolvedConflicts).toBe(4);
    await expect(d.checkLiveness()).rejects.toBe(error);
    expect(await claim).toEqual({ assignments: [] });
    expect(d.host.stats.conflicts).toBe(4);
    // One line while it retried, one when it gave up; nothing more.
    const told = errors.filter((e) => e instanceof FleetError && e.code === 'conflict');
    expect(told).toHaveLength(2);
    expect(String(told[0])).toMatch(/retrying with backoff, at most 4 times/);
    expect(told[1]).toBe(error);
  });
});
