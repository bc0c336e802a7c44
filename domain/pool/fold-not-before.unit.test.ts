import { describe, expect, it } from 'vitest';
import { TaskLimits } from '../../events/index.ts';
import type { CheckLiveness } from '../../events/index.ts';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { given } from '../../test/support/given.ts';
import { taskKey } from './state.ts';
import { waitReasonText } from './wait-reason-text.ts';
import { whyWaiting } from './why-waiting.ts';

const k = (taskId: string) => taskKey(P.health, taskId);
const ref = (taskId: string) => ({ taskId, project: P.health, pool: POOL });
const ready = (taskId: string) => ev('task.ready', { ...ref(taskId), attempt: 1 });
const check = (now: number): CheckLiveness => ({
  type: 'check_liveness',
  data: { lastSeen: { w1: now }, graceFrom: now },
  meta: { now },
});
/** Stream time of message `seq`: a second apart, from 1,000 s. */
const at = (seq: number) => 1_000_000 + seq * 1000;

describe('notBefore: a task that may not start before its time', () => {
  const later = at(2) + 60_000;
  const history = [enrolled('w1'), submitted('t1', { notBefore: later })];

  it('waits in no queue until its time, says so, and is readied then', () => {
    const g = given(log(history, { at }));
    expect(g.state.delayed[k('t1')]).toEqual({ readyAt: later, attempt: 0, since: at(2) });
    expect(g.state.queues).toEqual({});
    const why = whyWaiting(g.state, P.health as never, 't1' as never);
    expect(why).toEqual({ kind: 'not_before', until: later });
    expect(waitReasonText(why)).toBe(`not before ${new Date(later).toISOString()}, as submitted`);
    g.when(check(later - 1)).then([]);
    g.when(check(later)).then([{ ...ready('t1'), meta: { at: later } }]);
  });

  it('joins its queue at its time, and runs like any task', () => {
    const g = given(log([...history, ready('t1')], { at: (seq) => (seq < 3 ? at(seq) : later) }));
    expect(g.state.delayed).toEqual({});
    expect(Object.keys(g.state.queues)).toEqual([P.health]);
  });

  it('refuses a task.ready before its time (beyond the clock skew): it keeps waiting', () => {
    const g = given(log([...history, ready('t1')], { at }));
    expect(g.state.rejections.recent.at(-1)?.reason).toBe('not_yet');
    expect(g.state.delayed[k('t1')]?.readyAt).toBe(later);
  });

  it('queues at once a task whose notBefore is already past', () => {
    const g = given(log([enrolled('w1'), submitted('t1', { notBefore: at(2) - 1 })], { at }));
    expect(g.state.delayed).toEqual({});
    expect(Object.keys(g.state.queues)).toEqual([P.health]);
  });

  it('refuses, and tells its producer, a notBefore further than the contract allows', () => {
    const far = at(2) + TaskLimits.maxDelayMs + 1;
    const g = given(log([enrolled('w1'), submitted('t1', { notBefore: far })], { at }));
    expect(g.state.tasks.get(k('t1'))).toBeUndefined();
    expect(g.state.rejections.recent.at(-1)?.reason).toBe('delay_too_long');
    expect(g.state.refusedTasks[k('t1')]?.reason).toContain('more than 30 days');
    // At the limit itself it is taken.
    const edge = at(2) + TaskLimits.maxDelayMs;
    const ok = given(log([enrolled('w1'), submitted('t1', { notBefore: edge })], { at }));
    expect(ok.state.delayed[k('t1')]?.readyAt).toBe(edge);
  });

  it('cancels a waiting task: it leaves the wait, nothing is readied', () => {
    const g = given(log([...history, ev('task.cancelled', ref('t1'))], { at }));
    expect(g.state.tasks.get(k('t1'))?.status).toBe('cancelled');
    expect(g.state.delayed).toEqual({});
    g.when(check(Number.MAX_SAFE_INTEGER)).then([]);
  });

  it('is scheduling, not body: a resubmission with another notBefore is a duplicate', () => {
    const again = submitted('t1', { notBefore: later + 5000 });
    const g = given(log([...history, again], { at }));
    expect(g.state.rejections.recent.at(-1)?.reason).toBe('duplicate');
    expect(g.state.delayed[k('t1')]?.readyAt).toBe(later);
  });
});
