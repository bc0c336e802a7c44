import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_ROOT, encode, subjects, TaskCancelled } from '../events/index.ts';
import type { ClientOptions } from './client-options.ts';
import { InvalidInputError } from './invalid-input-error.ts';
import { publishStored } from './publish-stored.ts';
import type { TaskRef } from './task-ref.ts';

/**
 * Asks for a task to be withdrawn: publishes `task.cancelled` on the pool's cancel subject and
 * returns the stream sequence. The dispatcher's fold decides: a queued or assigned task ends as
 * `cancelled`; an ended one stays as it was (see `taskStatus`). Throws `InvalidInputError` for
 * invalid names, `UnavailableError` when the stream does not store it.
 */
export const cancelTask = async (
  nc: NatsConnection,
  ref: TaskRef & { readonly reason?: string },
  options: ClientOptions = {},
): Promise<{ seq: number }> => {
  const parsed = TaskCancelled.safeParse({
    type: 'task.cancelled',
    data: {
      project: ref.project,
      pool: ref.pool,
      taskId: ref.taskId,
      ...(ref.reason === undefined ? {} : { reason: ref.reason }),
    },
    meta: { at: Date.now() },
  });
  if (!parsed.success)
    throw InvalidInputError.fromZod(parsed.error, {
      what: 'invalid cancellation',
      skip: parsed.error.issues[0]?.path[0] === 'data' ? 1 : 0,
    });
  const { project, pool } = parsed.data.data;
  const root = options.root ?? DEFAULT_ROOT;
  const subject = subjects(root).cancel(project, pool);
  return { seq: await publishStored(nc, subject, encode(parsed.data), root) };
};
