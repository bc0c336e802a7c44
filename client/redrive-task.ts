import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_ROOT, encode, subjects, TaskRedriven } from '../events/index.ts';
import type { TaskSubmitted } from '../events/index.ts';
import type { ClientOptions } from './client-options.ts';
import { InvalidInputError } from './invalid-input-error.ts';
import { publishStored } from './publish-stored.ts';

/**
 * Runs a dead-lettered task again: publishes `task.redriven` with the task's body as it was
 * submitted (`submission`, the `data` of its `task.submitted`) on the pool's submit subject and
 * returns the stream sequence. The dispatcher's fold decides: a dead-lettered task is queued
 * with a fresh allowance of attempts (numbers go on from its last); any other is refused (`not_dead_lettered`) and stays as it
 * was. Throws `InvalidInputError` for an invalid body, `UnavailableError` when the stream does
 * not store it.
 */
export const redriveTask = async (
  nc: NatsConnection,
  submission: TaskSubmitted['data'],
  options: ClientOptions & { readonly reason?: string } = {},
): Promise<{ seq: number }> => {
  const parsed = TaskRedriven.safeParse({
    type: 'task.redriven',
    data: { ...submission, ...(options.reason === undefined ? {} : { reason: options.reason }) },
    meta: { at: Date.now() },
  });
  if (!parsed.success)
    throw InvalidInputError.fromZod(parsed.error, { what: 'invalid redrive', skip: 1 });
  const { project, pool } = parsed.data.data;
  const root = options.root ?? DEFAULT_ROOT;
  return {
    seq: await publishStored(nc, subjects(root).submit(project, pool), encode(parsed.data), root),
  };
};
