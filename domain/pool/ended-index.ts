import type { DispatchState, TaskKey, TaskState } from './state.ts';
import { EndedTask } from './task-records.ts';
import type { EndedStatus, TaskSpec } from './task-records.ts';

/** Ended statuses in the order of their code in a packed entry. */
const ENDED: readonly EndedStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
  'timed_out',
];
/** Attempts are at most 100 (the contract's limit): 7 bits. */
const ATTEMPTS = 128;

/**
 * An ended task in one number: its ended sequence, attempts and status. Exact while the
 * sequence is below 2^53 / 512 (about 1.7e13 messages).
 */
export const packEnded = (t: { status: EndedStatus; attempts: number; endedSeq: number }): number =>
  (t.endedSeq * ATTEMPTS + t.attempts) * ENDED.length + ENDED.indexOf(t.status);

/** What {@link packEnded} packed. */
export const unpackEnded = (
  packed: number,
): { status: EndedStatus; attempts: number; endedSeq: number } => {
  const code = packed % ENDED.length;
  const rest = (packed - code) / ENDED.length;
  const attempts = rest % ATTEMPTS;
  return {
    status: ENDED[code] ?? 'completed',
    attempts,
    endedSeq: (rest - attempts) / ATTEMPTS,
  };
};

/**
 * Records that an ended task's record was kept (and when it ended, to forget it after a while:
 * forget-ended.ts), and moves the oldest ended records beyond
 * `endedTasksKept` to the ended index: the working state holds work still to do plus a bounded
 * history.
 */
export const retireEnded = (s: DispatchState, key: TaskKey): void => {
  s.endedOrder.push(key);
  const ended = s.tasks.get(key);
  if (ended instanceof EndedTask) {
    // In the order of ends, with the pool's clock then: when to forget it (forget-ended.ts).
    const f = s.forgetting;
    const q = ended.status === 'dead_lettered' ? f.deadLettered : f.ended;
    q.keys.push(key);
    q.seqs.push(ended.endedSeq);
    q.ats.push(f.clock);
  }
  while (s.endedOrder.length > s.config.endedTasksKept) {
    const old = s.endedOrder.shift();
    const task = old === undefined ? undefined : s.tasks.get(old);
    if (old === undefined || task === undefined || !(task instanceof EndedTask)) continue;
    s.ended[old] = packEnded(task);
    s.tasks.delete(old);
    delete s.digests[old];
  }
};

/**
 * The task of `key`: its record, or for one that left, an ended record rebuilt from the index
 * (its demand holds only project and pool, its submission sequence is unknown: 0).
 */
export const taskAt = (s: DispatchState, key: string): TaskState | undefined => {
  const task = s.tasks.get(key);
  if (task !== undefined) return task;
  const packed = s.ended[key];
  if (packed === undefined) return undefined;
  const project = key.slice(0, key.indexOf('/'));
  const spec: TaskSpec = {
    demand: {
      project: project as TaskSpec['demand']['project'],
      pool: s.config.pool,
      requirements: { labels: [] },
      timeoutMs: 0,
    },
    reqSig: '',
    priority: 0,
    maxAttempts: 0,
  };
  const ended = unpackEnded(packed);
  return new EndedTask(key as TaskKey, spec, 0, ended.attempts, ended);
};
