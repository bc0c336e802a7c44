import { unpackEnded } from './ended-index.ts';
import type { DispatchState, TaskKey } from './state.ts';
import { EndedTask } from './task-records.ts';

/**
 * Ended tasks in the order they ended, with the sequence and the pool's clock at their end:
 * who to forget next. Columns, not records, so a million entries cost a few arrays.
 */
export interface EndedQueue {
  keys: string[];
  seqs: number[];
  ats: number[];
  /** Entries before it were forgotten already (the arrays are compacted now and then). */
  head: number;
}

/**
 * What the fold needs to forget ended tasks after a while: the pool's clock (the latest stream
 * time of its events, never going back) and the ended tasks in the order they ended, dead
 * letters apart (they wait for a redrive, so they are kept longer).
 */
export interface Forgetting {
  clock: number;
  ended: EndedQueue;
  deadLettered: EndedQueue;
}

export const initialForgetting = (): Forgetting => ({
  clock: 0,
  ended: { keys: [], seqs: [], ats: [], head: 0 },
  deadLettered: { keys: [], seqs: [], ats: [], head: 0 },
});

/** The sequence `key` ended on, while the fold still knows it as ended. */
const endedSeqOf = (s: DispatchState, key: string): number | undefined => {
  const task = s.tasks.get(key);
  if (task instanceof EndedTask) return task.endedSeq;
  const packed = s.ended[key];
  return packed === undefined ? undefined : unpackEnded(packed).endedSeq;
};

const forgetFrom = (s: DispatchState, q: EndedQueue, afterMs: number): void => {
  const clock = s.forgetting.clock;
  while (q.head < q.keys.length && (q.ats[q.head] ?? 0) + afterMs <= clock) {
    const key = q.keys[q.head] ?? '';
    // An entry whose task was redriven since (live again, or ended later) is stale: skipped.
    if (endedSeqOf(s, key) === q.seqs[q.head]) {
      // Still a record: among the latest ends, near the front of their order (a quiet pool).
      if (s.tasks.delete(key)) {
        const i = s.endedOrder.indexOf(key as TaskKey);
        if (i >= 0) s.endedOrder.splice(i, 1);
      }
      delete s.ended[key];
      delete s.digests[key];
      delete s.resubmissions[key];
    }
    q.head += 1;
  }
  // Drop the forgotten entries once they are most of the arrays: amortised constant time.
  if (q.head > 1024 && q.head * 2 > q.keys.length) {
    q.keys.splice(0, q.head);
    q.seqs.splice(0, q.head);
    q.ats.splice(0, q.head);
    q.head = 0;
  }
};

/**
 * Moves the pool's clock to `at` (a stream time; it never goes back) and forgets every ended
 * task whose end is at least `forgetEndedAfterMs` (a dead letter: `forgetDeadLettersAfterMs`)
 * behind it: its record, index entry and body digest leave the state. Folded before each event,
 * so the rule is a function of the log alone and every replay forgets the same tasks at the
 * same place. A forgotten task is as if never submitted: its id may be submitted again as a new
 * task, and reports, cancels and redrives naming it are refused as `unknown_task`.
 */
export const forgetEnded = (s: DispatchState, at: number): void => {
  const f = s.forgetting;
  if (at > f.clock) f.clock = at;
  forgetFrom(s, f.ended, s.config.forgetEndedAfterMs);
  forgetFrom(s, f.deadLettered, s.config.forgetDeadLettersAfterMs);
};
