import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_ROOT, encode, subjects } from '../events/index.ts';
import type { TaskId } from '../events/index.ts';
import { fleetAttributes, inSpan } from '../telemetry/trace-context.ts';
import { buildSubmission } from './build-submission.ts';
import type { ClientOptions } from './client-options.ts';
import { publishStored } from './publish-stored.ts';
import type { TaskInput } from './task-input.ts';

/** Options of `submitTask` and `submitTasks`. */
export interface SubmitOptions extends ClientOptions {
  /** Ties the submissions to the request that caused them (`meta.correlationId`). */
  readonly correlationId?: string;
}

/** A stored submission: its task id and the stream sequence of its message. */
export interface Submitted {
  readonly taskId: TaskId;
  readonly seq: number;
}

/**
 * Submits one task: validates it against the contract (throwing `InvalidInputError` naming the
 * field, having published nothing), then publishes `task.submitted` on the task's submit subject
 * and waits for the stream's acknowledgement. Resubmitting an id is harmless: the dispatcher's
 * fold keeps the first submission of a (project, taskId); a later one with the same body is a
 * no-op (`duplicate`), one with another body is refused (`conflict`), and `taskStatus` tells
 * which in `resubmitted`.
 * Throws `UnavailableError` when the stream does not store it, and
 * `RefusedError('permission_denied')` when the connection's credentials may not publish to the
 * project (the NATS server's refusal).
 */
export const submitTask = async (
  nc: NatsConnection,
  input: TaskInput,
  options: SubmitOptions = {},
): Promise<Submitted> => {
  const event = buildSubmission(input, {
    now: Date.now(),
    ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
  });
  const { project, pool, taskId } = event.data;
  const root = options.root ?? DEFAULT_ROOT;
  const subject = subjects(root).submit(project, pool);
  // The submission's span starts the task's trace: its context travels in the message's headers.
  const seq = await inSpan(
    'fleet.submit',
    { kind: 'producer', attributes: fleetAttributes({ project, pool, taskId }) },
    (traceparent) => publishStored(nc, subject, encode(event), root, traceparent),
  );
  return { taskId, seq };
};
