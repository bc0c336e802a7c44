import {
  evolveEntryInPlace,
  evolveInPlace,
  forgetEnded,
  taskKey,
} from '../../domain/pool/index.ts';
import type { DispatchState, LogPosition, TaskStatus } from '../../domain/pool/index.ts';
import { isReadable, isRetentionEvent } from '../../events/index.ts';
import type { FleetEvent } from '../../events/index.ts';
import type { FoldItem, TaskVerdict } from '../fold-item.ts';
import { initialPoolState } from './dispatch-state-schema.ts';
import { poolOf } from './pool-of.ts';
import type { FleetState } from './state.ts';

/** How much stream time the throughput window keeps. */
export const THROUGHPUT_WINDOW_MS = 60_000;

const ENDED: ReadonlySet<TaskStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
  'timed_out',
]);

/** Folds one event into a pool under the pool's rule, and says what it made of it. */
const judgeEvent = (ps: DispatchState, e: FleetEvent, entry: LogPosition): TaskVerdict => {
  const key = 'taskId' in e.data ? taskKey(e.data.project, e.data.taskId) : undefined;
  forgetEnded(ps, entry.at); // first, so a task forgotten by now is not counted as leaving its end
  const from = key === undefined ? undefined : ps.tasks.get(key)?.status;
  // One event at a time, so the task's status is read around each event of a batch.
  const verdict = evolveInPlace(ps, e, entry);
  if (verdict.kind === 'refused') return verdict;
  const to = key === undefined ? undefined : ps.tasks.get(key)?.status;
  return {
    kind: 'applied',
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
};

const bump = (counts: Partial<Record<TaskStatus, number>>, status: TaskStatus, by: 1 | -1) => {
  const n = (counts[status] ?? 0) + by;
  if (n === 0) delete counts[status];
  else counts[status] = n;
};

/** Keeps the fleet's own records (times, counts, throughput) in step with an accepted event. */
const track = (
  s: FleetState,
  pool: string,
  e: FleetEvent,
  v: TaskVerdict & { kind: 'applied' },
  entry: { seq: number; at: number },
) => {
  if (isRetentionEvent(e)) return; // of no pool: never folded here
  const seen = (s.lastSeen[pool] ??= {});
  const { project } = e.data;
  if (v.to !== undefined && v.from !== v.to) {
    const counts = ((s.tasks[pool] ??= {})[project] ??= {});
    if (v.from !== undefined) bump(counts, v.from, -1);
    bump(counts, v.to, 1);
  }
  switch (e.type) {
    case 'worker.enrolled':
    case 'worker.draining':
    case 'worker.left':
      seen[e.data.workerId] = entry.at;
      break;
    case 'task.assigned':
      seen[e.data.workerId] = entry.at;
      break;
    case 'task.submitted':
    case 'task.redriven': {
      const subs = (s.submissions[pool] ??= {});
      const m = (subs[String(entry.seq)] ??= { at: entry.at, live: 0 });
      m.live += 1;
      break;
    }
    case 'task.completed':
    case 'task.failed': {
      seen[e.data.workerId] = entry.at;
      const second = Math.floor(entry.at / 1000);
      const byProject = ((s.recent[pool] ??= {})[project] ??= {});
      let bucket = byProject[String(second)];
      if (bucket === undefined) {
        // A new second: the time to forget those that left the window.
        const oldest = second - THROUGHPUT_WINDOW_MS / 1000;
        for (const k of Object.keys(byProject)) if (Number(k) < oldest) delete byProject[k];
        bucket = byProject[String(second)] = { completed: 0, failed: 0 };
      }
      if (e.type === 'task.completed') bucket.completed += 1;
      else bucket.failed += 1;
      break;
    }
    case 'task.cancelled':
    case 'task.requeued':
    case 'task.ready':
    case 'task.lease_extended':
    case 'task.timed_out':
    case 'task.progress':
    case 'task.dead_lettered':
    case 'worker.lost':
    case 'worker.revoked':
    case 'claim.rejected':
    case 'key.issued':
    case 'key.used':
    case 'key.revoked':
    case 'limit.set':
    case 'limit.cleared':
    case 'limit.refused':
    case 'task.over_limit':
    case 'launch.requested':
    case 'launch.started':
    case 'launch.failed':
      break;
    default: {
      const never: never = e;
      return never;
    }
  }
};

/** A task that ended no longer counts toward the age of its submission message. */
const release = (s: FleetState, pool: string, ps: DispatchState, e: FleetEvent, v: TaskVerdict) => {
  if (v.kind !== 'applied' || v.to === undefined || !ENDED.has(v.to) || !('taskId' in e.data))
    return;
  const task = ps.tasks.get(taskKey(e.data.project, e.data.taskId));
  const subs = s.submissions[pool];
  const key = task === undefined ? undefined : String(task.submittedSeq);
  const m = key === undefined ? undefined : subs?.[key];
  if (subs === undefined || key === undefined || m === undefined) return;
  m.live -= 1;
  if (m.live <= 0) delete subs[key];
};

/**
 * The fleet-state fold: applies one stored message to its pool under the pool's rule
 * (domain/pool, as the dispatcher does) — so the projection applies and refuses exactly what
 * the dispatcher does — keeps the fleet's own records, and returns the rule's verdict on each
 * event of the message (none for an unreadable message, or one already folded). Runs in
 * place: a valid immer recipe.
 */
export const foldFleet = (s: FleetState, item: FoldItem): TaskVerdict[] => {
  const { subject, entry } = item;
  const pool = poolOf(subject);
  if (pool === undefined)
    return isReadable(entry) ? entry.events.map(() => ({ kind: 'applied' })) : []; // keys
  const ps = (s.pools[pool] ??= initialPoolState(pool));
  if (!isReadable(entry)) {
    // The pool's dispatcher records the refusal too (and tells the task's producer).
    evolveEntryInPlace(ps, entry);
    return [];
  }
  if (entry.seq <= ps.position) return [];
  return entry.events.map((e) => {
    const v = judgeEvent(ps, e, entry);
    if (v.kind === 'applied') track(s, pool, e, v, entry);
    release(s, pool, ps, e, v);
    return v;
  });
};

/** `foldFleet` as a plain immer recipe. */
export const fleetStateRecipe = (draft: FleetState, item: FoldItem): void => {
  foldFleet(draft, item);
};
