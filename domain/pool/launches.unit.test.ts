import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import type { ProjectId, TaskId } from '../../events/index.ts';
import { waitReasonText } from './wait-reason-text.ts';
import { whyWaiting } from './why-waiting.ts';

const requested = (launchId: string, taskId: string, keyId: string) =>
  ev('launch.requested', {
    launchId,
    project: P.health,
    pool: POOL,
    taskId,
    template: 'job',
    runtime: 'kubernetes',
    keyId,
    cost: 5,
    reason: 'cold launch',
  });

describe('a worker launched for a demand', () => {
  // `long` fits only the dear runtime; `short` fits both: the worker launched for `long`
  // must not take `short`, which its own (cheaper) launch is on its way for.
  const history = [
    submitted('short', { timeoutMs: 1_000 }),
    submitted('long', { timeoutMs: 9_000 }),
    requested('l0000000000000001', 'long', 'kl1'),
    enrolled('wl1', { keyId: 'kl1', runtime: { kind: 'kubernetes' } }),
  ];

  it('takes only tasks of the demand it was launched for, even before its start is folded', () => {
    given(log(history))
      .when({
        type: 'serve_claims',
        data: {
          claims: [{ workerId: 'wl1', project: P.health, pool: POOL, max: 1 }] as never,
          budget: 10,
        },
        meta: { now: 10 },
      })
      .thenMatch((events) => {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ type: 'task.assigned', data: { taskId: 'long' } });
      });
  });

  it('does not count as free room for other demands in why-waiting', () => {
    const s = given(log(history)).state;
    expect(waitReasonText(whyWaiting(s, P.health as ProjectId, 'short' as TaskId))).toBe(
      'no active worker',
    );
    expect(whyWaiting(s, P.health as ProjectId, 'long' as TaskId)).toMatchObject({
      kind: 'awaiting_claim',
    });
  });
});
