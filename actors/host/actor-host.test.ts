import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolId } from '../../events/index.ts';
import { dispatcherLogic } from '../dispatcher/dispatcher-logic.ts';
import { evolveAll, initialState } from '../dispatcher/index.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { POOL } from '../../test/support/builders.ts';
import { ActorHost } from './actor-host.ts';
import type { LogEntry } from '../../events/index.ts';

let f: FleetFixture;
beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  await f.close();
});

describe('the actor host', () => {
  it('restarts a crashed fold from the log and reaches the same state', async () => {
    const logic = dispatcherLogic(f.log.subjects, { pool: POOL as PoolId });
    const seen: LogEntry[] = [];
    let crashes = 0;
    const errors: unknown[] = [];
    const host = await ActorHost.start(
      f.log,
      {
        ...logic,
        evolve: (state, entry) => {
          // A bug that strikes once, on the third message.
          if (entry.seq === 3 && crashes === 0) {
            crashes += 1;
            throw new Error('fold bug');
          }
          if (!seen.some((e) => e.seq === entry.seq)) seen.push(entry);
          logic.evolve(state, entry);
        },
      },
      { onError: (e) => errors.push(e) },
    );
    await f.enroll('w1');
    await f.submit({ taskId: 't1' });
    await f.submit({ taskId: 't2' });
    await f.submit({ taskId: 't3' });
    await expect.poll(() => host.position).toBe(4);
    expect(host.stats.restarts).toBe(1);
    expect(errors).toHaveLength(1);
    expect(host.state).toEqual(evolveAll(initialState({ pool: POOL as PoolId }), seen));
    expect(Object.keys(host.state.tasks)).toHaveLength(3);
    await host.stop();
  });

  it('does nothing when the decision is empty, and appends nothing', async () => {
    const host = await ActorHost.start(
      f.log,
      dispatcherLogic(f.log.subjects, { pool: POOL as PoolId }),
    );
    const out = await host.execute({
      type: 'check_liveness',
      data: { lastSeen: {}, graceFrom: 0 },
      meta: { now: 1 },
    });
    expect(out).toEqual({ events: [], appended: [] });
    expect(await f.log.lastSeq()).toBe(0);
    await host.stop();
  });
});
