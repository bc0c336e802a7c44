import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { decode, MAX_MESSAGE_BYTES, taskReportOf } from '../../events/index.ts';
import type { TaskStatusReply } from '../../events/index.ts';
import type { EventLog } from '../../log/index.ts';

const encoder = new TextEncoder();

/**
 * `r` with what the message that ended the task reported for it. Producers have no stream
 * API, so the dispatcher reads it for them — only the message at the task's own `endedSeq`,
 * and only what that message says about this task of this project and pool. The reply must
 * fit `maxReplyBytes` and the server's max payload, or the requester would get nothing at all.
 */
export const withReport = async (
  log: EventLog,
  r: TaskStatusReply,
  maxReplyBytes: number | undefined,
  onError: (error: unknown) => void,
): Promise<TaskStatusReply> => {
  if (r.endedSeq === undefined || r.status === 'cancelled') return r;
  let stored;
  try {
    stored = await log.jsm.streams.getMessage(log.stream, { seq: r.endedSeq });
  } catch (cause) {
    // A message removed by the stream's limits is not the dispatcher's failure.
    if (!(cause instanceof JetStreamApiError && cause.code === JetStreamApiCodes.NoMessageFound))
      onError(cause);
    stored = null;
  }
  if (stored === null) return { ...r, reportOmitted: 'unavailable' };
  const decoded = decode(stored.subject, stored.data, { root: log.subjects.root });
  const task = { project: r.project, pool: r.pool, taskId: r.taskId };
  const report = decoded.ok ? (taskReportOf(decoded.value.events, task) ?? {}) : {};
  const full = { ...r, report };
  const max = Math.min(
    log.nc.info?.max_payload ?? MAX_MESSAGE_BYTES,
    maxReplyBytes ?? Number.POSITIVE_INFINITY,
  );
  return encoder.encode(JSON.stringify(full)).byteLength <= max
    ? full
    : { ...r, reportOmitted: 'too_large' };
};
