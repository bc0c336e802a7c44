import type { NatsConnection } from '@nats-io/transport-node';
import { NotFoundError, RefusedError } from '../events/index.ts';
import type { TaskStatusReply } from '../events/index.ts';
import { EndStatus } from './await-task.ts';
import { cancelTask } from './cancel-task.ts';
import type { ClientOptions } from './client-options.ts';
import type { TaskRef } from './task-ref.ts';
import { taskStatus } from './task-status.ts';

/** What a confirmed cancellation did. */
export interface Cancelled {
  /** Stream sequence of the `task.cancelled` event. */
  readonly seq: number;
  /** Where the task stood just before: `queued` (maybe waiting out a delay) or `assigned`. */
  readonly was: 'queued' | 'assigned';
  /** `cancelled`, once the dispatcher folded it; `pending` when its fold took longer than the wait. */
  readonly status: 'cancelled' | 'pending';
}

const ended = (s: TaskStatusReply['status']) => (EndStatus as readonly string[]).includes(s);

/**
 * Cancels a task and waits (up to `waitMs`) until its dispatcher has folded the cancellation. A
 * running task's worker hears it at its next heartbeat and its handler's signal aborts
 * (`AbortedError`, `why: 'cancelled'`). Throws `NotFoundError` for a task the dispatcher does
 * not know (nothing is published), `RefusedError` (`reason: 'task_ended'`) for a task that had
 * ended, before or while the cancellation was stored (the dispatcher records that refusal too),
 * and what `taskStatus` and `cancelTask` throw.
 */
export const cancelConfirmed = async (
  nc: NatsConnection,
  ref: TaskRef & { readonly reason?: string },
  options: ClientOptions & { readonly waitMs?: number } = {},
): Promise<Cancelled> => {
  const { project, pool, taskId } = ref;
  const before = await taskStatus(nc, { project, pool, taskId }, options);
  if (before.status === 'unknown')
    throw new NotFoundError(
      `no task ${taskId} in project ${project}, pool ${pool}: nothing cancelled`,
    );
  if (before.status !== 'queued' && before.status !== 'assigned')
    throw new RefusedError(
      'task_ended',
      `task ${taskId} has ended (${before.status}): nothing cancelled`,
    );
  const { seq } = await cancelTask(nc, ref, options);
  const after = await taskStatus(
    nc,
    { project, pool, taskId, waitMs: options.waitMs ?? 10_000 },
    options,
  );
  if (!ended(after.status)) return { seq, was: before.status, status: 'pending' };
  if (after.status === 'cancelled' && after.endedSeq === seq)
    return { seq, was: before.status, status: 'cancelled' };
  // It ended on another message first (its report, say): this cancellation was refused.
  throw new RefusedError(
    'task_ended',
    `task ${taskId} ended (${after.status}) before the cancellation (seq ${seq}) was folded: nothing cancelled`,
  );
};
