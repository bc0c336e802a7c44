import type { NatsConnection } from '@nats-io/transport-node';
import { encode, messageLimit, subjects, UnavailableError } from '../../events/index.ts';
import type { FleetEvent, PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { storeMessage } from '../gateway/index.ts';
import { sleep } from './abortable.ts';
import { backoffMs } from './backoff.ts';
import { buildReport } from './build-report.ts';
import type { Report } from './build-report.ts';
import { ReportAppender } from './report-appender.ts';

/** Tries of one append before giving up. */
const APPEND_TRIES = 5;

/** A worker's writes to its own report subject. */
export interface Reporter {
  /**
   * Stores one of the worker's events, with its trace context in the message's headers;
   * resolves with the sequence of its message.
   */
  append(event: FleetEvent, traceparent?: string): Promise<number>;
  /** The report of an attempt, checked against what the log and the server will take. */
  build(input: Omit<Parameters<typeof buildReport>[0], 'workerId' | 'root' | 'maxBytes'>): Report;
}

/**
 * The worker's report subject, written through a group-committing appender whose messages
 * never exceed what both the server (its max payload) and the codec accept, with reports
 * checked against that same limit. Appends are retried with backoff until `signal` aborts.
 */
export const reporter = (options: {
  readonly nc: NatsConnection;
  readonly root: string;
  readonly identity: {
    readonly workerId: WorkerId;
    readonly project: ProjectId;
    readonly pool: PoolId;
  };
  readonly requestTimeoutMs: number;
  readonly maxBackoffMs: number;
  readonly signal: AbortSignal;
}): Reporter => {
  const { nc, root, requestTimeoutMs, signal } = options;
  const { workerId, project, pool } = options.identity;
  const subject = subjects(root).report(project, pool, workerId);
  const maxBytes = messageLimit(nc.info?.max_payload);
  /**
   * Stores one message of the worker’s own events (one, or a batch), through the gateway when
   * the worker has credentials of its own, retrying. No
   * `Nats-Msg-Id`: JetStream dedupes stream-wide, across tenants, so the fold is what refuses
   * a retry that was stored twice.
   */
  const appendMessage = async (
    events: readonly FleetEvent[],
    traceparents: readonly string[],
  ): Promise<number> => {
    for (let tries = 1; ; tries += 1) {
      try {
        return await storeMessage(
          nc,
          root,
          subject,
          encode(events),
          requestTimeoutMs,
          traceparents,
        );
      } catch (cause) {
        if (tries >= APPEND_TRIES || signal.aborted)
          throw new UnavailableError(`append to ${subject} failed`, { cause });
        await sleep(backoffMs(tries, { capMs: options.maxBackoffMs }), signal);
      }
    }
  };
  // Reports that finish in one turn, or while one is being stored, go together in one message.
  const appender = new ReportAppender(appendMessage, { messageBytes: maxBytes });
  return {
    append: (event, traceparent) => appender.append(event, traceparent),
    build: (input) => buildReport({ ...input, workerId, root, maxBytes }),
  };
};
