import { describe, expect, it } from 'vitest';
import type { TaskId } from '../../events/index.ts';
import {
  assigned,
  assignment,
  holding,
  kinds,
  run,
  SETTINGS,
  started,
} from '../../test/support/worker-machine.ts';
import { transition } from './transition.ts';
import type { WorkerEvent } from './worker-event.ts';
import { initialState } from './worker-state.ts';
import type { WorkerState } from './worker-state.ts';

// The serving dispatcher changed: a claim sent to the one before is given up for a new one, and
// its answer, should it come after all, is a late one.

const servedBy = (server: string | undefined): WorkerEvent => ({
  type: 'beat_replied',
  reply: { status: 'active', abort: [], ...(server === undefined ? {} : { server }) },
});
const late = (...taskIds: string[]): WorkerEvent => ({
  type: 'late_claim_replied',
  assignments: taskIds.map((id) => assignment(id)),
});
/** A heartbeat sent and answered, naming `server`. */
const beatServedBy = (s: WorkerState, server: string | undefined, now = 2) =>
  run(s, [{ type: 'beat_due' }, servedBy(server)], now);
const BEAT = ['beat', 'wait_beat'];

/** A worker whose claim went out while dispatcher `a` served. */
const askingUnderA = (): WorkerState =>
  run(initialState({ ...SETTINGS, capacity: 3 }), [started, servedBy('a')]).state;

describe('the worker machine: the serving dispatcher changes', () => {
  it('claims again at once when a heartbeat reply names another dispatcher', () => {
    const s = askingUnderA();
    expect(s.claims).toMatchObject({ status: 'asking', server: 'a' });
    // The same one, or a reply naming none (an older dispatcher): the claim under way stands.
    for (const same of ['a', undefined]) {
      const next = beatServedBy(s, same);
      expect(kinds(next.effects)).toEqual(BEAT);
      expect(next.state.claims).toEqual(s.claims);
    }
    const moved = beatServedBy(s, 'b');
    expect(kinds(moved.effects)).toEqual([...BEAT, 'claim']);
    expect(moved.state.server).toBe('b');
    expect(moved.state.claims).toMatchObject({ status: 'asking', server: 'b' });
    // Told again, it has claimed from that one already.
    expect(kinds(beatServedBy(moved.state, 'b', 3).effects)).toEqual(BEAT);
  });

  it('cuts a backoff short, and claims nothing new while draining or full', () => {
    const failed = transition(
      askingUnderA(),
      { type: 'claim_failed', error: new Error('x'), jitter: 0 },
      2,
    ).state;
    expect(failed.claims.status).toBe('backing_off');
    expect(kinds(beatServedBy(failed, 'b', 3).effects)).toEqual([...BEAT, 'claim']);

    const draining = run(askingUnderA(), [{ type: 'drain_requested' }]).state;
    const told = beatServedBy(draining, 'b', 3);
    expect(kinds(told.effects)).not.toContain('claim');
    expect(told.state.server).toBe('b');

    const full = run(askingUnderA(), [assigned('a', 'b', 'c')]).state;
    expect(full.claims.status).toBe('idle');
    expect(kinds(beatServedBy(full, 'b', 3).effects)).toEqual(BEAT);
  });

  it('starts what a late answer assigns, in free slots only, and nothing it runs already', () => {
    const s = beatServedBy(askingUnderA(), 'b').state;
    const started1 = transition(s, late('t1', 't2'), 4);
    expect(kinds(started1.effects)).toEqual([
      'emit:task_started',
      'start',
      'emit:task_started',
      'start',
    ]);
    // The claim under way is still awaited: a late answer is not its answer.
    expect(started1.state.claims.status).toBe('asking');
    const more = transition(started1.state, late('t1', 't3', 't4'), 5);
    expect(more.state.attempts.map((a) => a.assignment.taskId)).toEqual([
      't1' as TaskId,
      't2' as TaskId,
      't3' as TaskId,
    ]);
    // An answer to a claim given up while nothing else was sent (full) is a late one too.
    const full = holding('x', 'y');
    expect(transition(full, assigned('z'), 6).state.attempts).toHaveLength(2);
  });

  it('starts nothing late once it leaves or stops', () => {
    const leaving = run(initialState(SETTINGS), [
      started,
      servedBy('a'),
      { type: 'drain_requested' },
      { type: 'appended', what: 'draining' },
      assigned(),
    ]).state;
    expect(leaving.life).toEqual({ status: 'draining', step: 'leaving' });
    expect(transition(leaving, late('t1'), 2).effects).toEqual([]);
    const stopped = run(askingUnderA(), [{ type: 'kill_requested' }]).state;
    expect(transition(stopped, late('t1'), 2).effects).toEqual([]);
  });
});
