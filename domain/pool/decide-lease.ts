import type { CheckLiveness, EventOf } from '../../events/index.ts';
import type { AssignedTask, WorkerState } from './state.ts';

/** The attempts each worker named in its latest heartbeat, as `attempt:taskId`, by worker. */
export type BeatIndex = ReadonlyMap<string, ReadonlySet<string>>;

/** Indexes a liveness check's beats once, so each held attempt is looked up in O(1). */
export const beatIndex = (beats: CheckLiveness['data']['beats']): BeatIndex => {
  const index = new Map<string, Set<string>>();
  for (const [workerId, attempts] of Object.entries(beats ?? {}))
    index.set(workerId, new Set(attempts.map((a) => `${a.attempt}:${a.taskId}`)));
  return index;
};

/**
 * The extension of a running attempt's lease, if it is due at `now`: its worker is alive (the
 * caller found it neither silent nor gone), named the attempt in its latest heartbeat, and less
 * than half the task's `timeoutMs` is left. The lease then runs `timeoutMs` from now, so an
 * attempt runs as long as its worker beats for it, and one event per half lease is appended.
 * A lost worker is still found by its missed heartbeats, as before; an attempt its worker no
 * longer names runs out its lease and is requeued.
 */
export const leaseExtension = (
  w: WorkerState,
  task: AssignedTask,
  now: number,
  beats: BeatIndex,
): EventOf<'task.lease_extended'> | undefined => {
  if (w.status !== 'active' && w.status !== 'draining') return undefined;
  const timeoutMs = task.demand.timeoutMs;
  if (task.leaseExpiresAt - now >= timeoutMs / 2) return undefined;
  if (beats.get(w.id)?.has(`${task.attempt}:${task.id}`) !== true) return undefined;
  return {
    type: 'task.lease_extended',
    data: {
      taskId: task.id,
      project: task.demand.project,
      pool: task.demand.pool,
      workerId: w.id,
      attempt: task.attempt,
      leaseExpiresAt: now + timeoutMs,
    },
    meta: { at: now },
  };
};
