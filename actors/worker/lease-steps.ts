import type { HeartbeatReply } from '../../events/index.ts';
import { MAX_TIMER_MS } from './abortable.ts';
import { named, put } from './transition-kit.ts';
import type { Effects } from './transition-kit.ts';
import type { WorkerState } from './worker-state.ts';

/**
 * Leases a heartbeat reply gives: a running attempt whose lease the dispatcher extended (its
 * worker beats for it) now ends later, and its local abort moves with it. A lease never
 * shortens here, and an attempt already aborted for its lease stays aborted.
 */
export const extendLeases = (
  s: WorkerState,
  leases: HeartbeatReply['leases'],
  now: number,
  fx: Effects,
): WorkerState => {
  let next = s;
  for (const { taskId, attempt, leaseExpiresAt } of leases ?? []) {
    const a = named(next, taskId, attempt);
    if (a?.status !== 'running' || leaseExpiresAt <= a.assignment.leaseExpiresAt) continue;
    const leaseMs = Math.min(MAX_TIMER_MS, Math.max(0, leaseExpiresAt - now));
    fx.push({ type: 'extend_lease', taskId, attempt, leaseExpiresAt, leaseMs });
    next = put(next, { ...a, assignment: { ...a.assignment, leaseExpiresAt } });
  }
  return next;
};
