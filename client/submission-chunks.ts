import { MAX_BATCH, MAX_MESSAGE_BYTES } from '../events/index.ts';
import type { EventOf } from '../events/index.ts';

const encoder = new TextEncoder();
/** Bytes of `{"batch":[` and `]}` around a batch's events. */
const BATCH_FRAME = encoder.encode('{"batch":[]}').byteLength;

/** The submissions one message carries: all of one (project, pool). */
export interface SubmissionChunk {
  readonly subject: string;
  readonly events: EventOf<'task.submitted'>[];
  /** Indexes of the events in the caller's list. */
  readonly indexes: number[];
}

/**
 * Groups submissions into as few messages as the contract allows: one batch message per
 * (project, pool) subject (`subjectOf`), split at `MAX_BATCH` events or the message size limit.
 */
export const chunkSubmissions = (
  events: readonly EventOf<'task.submitted'>[],
  subjectOf: (e: EventOf<'task.submitted'>) => string,
): SubmissionChunk[] => {
  const open = new Map<string, SubmissionChunk & { bytes: number }>();
  const chunks: SubmissionChunk[] = [];
  events.forEach((event, i) => {
    const subject = subjectOf(event);
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
  return chunks;
};
