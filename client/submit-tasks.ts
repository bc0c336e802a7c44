import { fleetAttributes, inSpan } from '../telemetry/trace-context.ts';
import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_ROOT, encode, subjects, UnavailableError } from '../events/index.ts';
import { buildSubmission } from './build-submission.ts';
import { publishStored } from './publish-stored.ts';
import { chunkSubmissions } from './submission-chunks.ts';
import type { SubmitOptions, Submitted } from './submit-task.ts';
import type { TaskInput } from './task-input.ts';

/**
 * Submits many tasks in as few messages as the contract allows: one batch message per
 * (project, pool), split at `MAX_BATCH` events or the message size limit. Every task is
 * validated before anything is published (an `InvalidInputError` path starts with the task's
 * index). Each message is stored whole or not at all; when one fails the others may still be
 * stored, and resubmitting the whole list is safe, since the fold ignores ids it already has.
 * Returns the task ids and sequences in the order of `inputs`.
 */
export const submitTasks = async (
  nc: NatsConnection,
  inputs: readonly TaskInput[],
  options: SubmitOptions = {},
): Promise<Submitted[]> => {
  const now = Date.now();
  const s = subjects(options.root ?? DEFAULT_ROOT);
  const events = inputs.map((input, i) =>
    buildSubmission(input, {
      now,
      pathPrefix: String(i),
      ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
    }),
  );
  const chunks = chunkSubmissions(events, (e) => s.submit(e.data.project, e.data.pool));
  const seqs: number[] = new Array<number>(events.length).fill(0);
  const results = await Promise.allSettled(
    chunks.map(async (c) => {
      // One span per message: the tasks it holds share its trace context.
      const first = c.events[0]?.data;
      const seq = await inSpan(
        'fleet.submit',
        {
          kind: 'producer',
          attributes: {
            ...fleetAttributes({ ...(first && { project: first.project, pool: first.pool }) }),
            'messaging.batch.message_count': c.events.length,
          },
        },
        (traceparent) => publishStored(nc, c.subject, encode(c.events), s.root, traceparent),
      );
      for (const i of c.indexes) seqs[i] = seq;
    }),
  );
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0)
    throw new UnavailableError(
      `stored ${chunks.length - failed.length} of ${chunks.length} submission messages; ` +
        `resubmitting all the tasks is safe`,
      { cause: failed[0]?.reason },
    );
  return events.map((e, i) => ({ taskId: e.data.taskId, seq: seqs[i] ?? 0 }));
};
