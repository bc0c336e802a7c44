import { fleetAttributes, inSpan } from '../telemetry/trace-context.ts';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DEFAULT_ROOT,
  encode,
  MAX_BATCH,
  MAX_MESSAGE_BYTES,
  subjects,
  UnavailableError,
} from '../events/index.ts';
import type { EventOf } from '../events/index.ts';
import { buildSubmission } from './build-submission.ts';
import { publishStored } from './publish-stored.ts';
import type { SubmitOptions, Submitted } from './submit-task.ts';
import type { TaskInput } from './task-input.ts';

const encoder = new TextEncoder();
/** Bytes of `{"batch":[` and `]}` around a batch's events. */
const BATCH_FRAME = encoder.encode('{"batch":[]}').byteLength;

interface Chunk {
  readonly subject: string;
  readonly events: EventOf<'task.submitted'>[];
  /** Indexes of the events in the caller's list. */
  readonly indexes: number[];
  bytes: number;
}

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
  const open = new Map<string, Chunk>();
  const chunks: Chunk[] = [];
  events.forEach((event, i) => {
    const subject = s.submit(event.data.project, event.data.pool);
    const size = encoder.encode(JSON.stringify(event)).byteLength + 1; // and its comma
    let chunk = open.get(subject);
    if (
      chunk === undefined ||
      chunk.events.length >= MAX_BATCH ||
      chunk.bytes + size > MAX_MESSAGE_BYTES
    ) {
      chunk = { subject, events: [], indexes: [], bytes: BATCH_FRAME };
      open.set(subject, chunk);
      chunks.push(chunk);
    }
    chunk.events.push(event);
    chunk.indexes.push(i);
    chunk.bytes += size;
  });
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
