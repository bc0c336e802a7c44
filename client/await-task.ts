import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  decode,
  DEFAULT_ROOT,
  DEFAULT_STREAM,
  RefusedError,
  taskReportOf,
  UnavailableError,
} from '../events/index.ts';
import type { TaskReport, TaskStatusReply, Usage } from '../events/index.ts';
import type { ClientOptions } from './client-options.ts';
import type { TaskRef } from './task-ref.ts';
import { taskStatus } from './task-status.ts';
import { WaitTimeoutError } from './wait-timeout-error.ts';

/** How a task ended. */
export const EndStatus = [
  'completed',
  'failed',
  'cancelled',
  'dead_lettered',
  'timed_out',
  'rejected',
] as const;
export type EndStatus = (typeof EndStatus)[number];

/** A task's end, with what its last report said. */
export interface TaskOutcome {
  readonly status: EndStatus;
  readonly attempts: number;
  /** The worker's output, when the task completed with one. */
  readonly output?: unknown;
  /** What the ending attempt consumed, when a worker reported it. */
  readonly usage?: Usage;
  /** The worker's error, when the task ended with a failure report. */
  readonly error?: { readonly message: string; readonly code?: string };
  /** Why a submission was rejected. */
  readonly reason?: string;
  /** Stream sequence of the message that ended the task. */
  readonly endedSeq?: number;
  /**
   * Set when the ending report could not be read, so `output`, `usage` and `error` are missing:
   * `too_large`, it does not fit in a status reply and this connection may not read the stream
   * (a producer's; an operator's reads it at `endedSeq`); `unavailable`, the dispatcher could
   * not read it (removed by the stream's limits, say).
   */
  readonly reportOmitted?: 'too_large' | 'unavailable';
  /** The runtime chosen for the task when a one-shot worker was launched for it, and why. */
  readonly runtime?: TaskStatusReply['runtime'];
}

/** Options of `awaitTask`. */
export interface AwaitOptions extends ClientOptions {
  /** The stream holding the log, to read the ending report; `FLEET` by default. */
  readonly stream?: string;
  /**
   * Called with each answer while the task has not ended (its `waiting` says why a queued task
   * waits); the dispatcher is then asked at least every {@link PROGRESS_POLL_MS}.
   */
  readonly onWaiting?: (reply: TaskStatusReply) => void;
}

/** Longest poll when the caller follows the wait (`onWaiting`): about a second per answer. */
export const PROGRESS_POLL_MS = 1_000;

/** Longest single long-poll the contract allows (`TaskStatusRequest.waitMs`); longer waits poll again. */
const MAX_POLL_MS = 300_000;

const isEnded = (s: TaskStatusReply['status']): s is EndStatus =>
  (EndStatus as readonly string[]).includes(s);

type ReportFields = Pick<TaskOutcome, 'output' | 'usage' | 'error'>;

const fieldsOf = (report: TaskReport): ReportFields => ({
  ...(report.output === undefined ? {} : { output: report.output }),
  ...(report.usage === undefined ? {} : { usage: report.usage }),
  ...(report.error === undefined ? {} : { error: report.error }),
});

/**
 * Waits until a task ends, long-polling its pool's dispatcher, and returns how it ended. For an
 * end caused by a worker's report (completed, failed, or dead-lettered after a failure),
 * `output`, `usage` and `error` are those the worker stored: the dispatcher includes them in
 * its answer (`withReport`), so a producer without JetStream API gets them. Only from a
 * dispatcher that does not (an older one), or when the report is too large for a reply, is the
 * report read from the stream by its sequence, which takes an operator's connection. Throws
 * `WaitTimeoutError` when the task has not ended within `timeoutMs`, and what `taskStatus`
 * throws.
 */
export const awaitTask = async (
  nc: NatsConnection,
  query: TaskRef & { readonly timeoutMs: number },
  options: AwaitOptions = {},
): Promise<TaskOutcome> => {
  const root = options.root ?? DEFAULT_ROOT;
  const deadline = Date.now() + query.timeoutMs;
  const ref = { project: query.project, pool: query.pool, taskId: query.taskId };
  let withReport = true;
  let reply: TaskStatusReply;
  for (;;) {
    // The dispatcher holds the poll while the task is queued, assigned or not folded yet.
    const longest = options.onWaiting === undefined ? MAX_POLL_MS : PROGRESS_POLL_MS;
    const waitMs = Math.max(0, Math.min(deadline - Date.now(), longest));
    try {
      reply = await taskStatus(nc, { ...ref, waitMs, withReport }, { root });
    } catch (e) {
      // A dispatcher older than `withReport` refuses the field: ask it the old way.
      if (!(withReport && e instanceof RefusedError && e.reason === 'invalid_request')) throw e;
      withReport = false;
      continue;
    }
    if (isEnded(reply.status)) break;
    options.onWaiting?.(reply);
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(
        query.taskId,
        reply.status,
        query.timeoutMs,
        reply.waiting?.detail,
      );
  }
  const outcome: TaskOutcome = {
    status: reply.status,
    attempts: reply.attempts,
    ...(reply.reason === undefined ? {} : { reason: reply.reason }),
    ...(reply.endedSeq === undefined ? {} : { endedSeq: reply.endedSeq }),
    ...(reply.runtime === undefined ? {} : { runtime: reply.runtime }),
  };
  if (reply.endedSeq === undefined || reply.status === 'cancelled') return outcome;
  if (reply.report !== undefined) return { ...outcome, ...fieldsOf(reply.report) };
  const read = () => readReport(nc, query, reply.endedSeq ?? 0, root, options.stream);
  if (reply.reportOmitted === undefined) return { ...outcome, ...(await read()) };
  // Left out of the reply: an operator's connection can still read it from the stream.
  try {
    return { ...outcome, ...(await read()) };
  } catch (e) {
    if (!(e instanceof UnavailableError)) throw e;
    return { ...outcome, reportOmitted: reply.reportOmitted };
  }
};

/** The output, usage and error of the report stored at `seq`, if it is this task's report. */
const readReport = async (
  nc: NatsConnection,
  ref: TaskRef,
  seq: number,
  root: string,
  stream: string = DEFAULT_STREAM,
): Promise<ReportFields> => {
  let stored;
  try {
    const jsm = await jetstreamManager(nc);
    stored = await jsm.streams.getMessage(stream, { seq });
  } catch (cause) {
    throw new UnavailableError(`cannot read message ${seq} of stream ${stream}`, { cause });
  }
  if (stored === null) return {};
  const decoded = decode(stored.subject, stored.data, { root });
  if (!decoded.ok) return {};
  const report = taskReportOf(decoded.value.events, ref);
  return report === undefined ? {} : fieldsOf(report);
};
