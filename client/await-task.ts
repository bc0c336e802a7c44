import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decode, DEFAULT_ROOT, DEFAULT_STREAM, UnavailableError } from '../events/index.ts';
import type { TaskStatusReply, Usage } from '../events/index.ts';
import type { ClientOptions } from './client-options.ts';
import type { TaskRef } from './task-ref.ts';
import { taskStatus } from './task-status.ts';
import { WaitTimeoutError } from './wait-timeout-error.ts';

/** How a task ended. */
export const EndStatus = ['completed', 'failed', 'cancelled', 'dead_lettered', 'rejected'] as const;
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
}

/** Options of `awaitTask`. */
export interface AwaitOptions extends ClientOptions {
  /** The stream holding the log, to read the ending report; `FLEET` by default. */
  readonly stream?: string;
}

/** Longest single long-poll the contract allows (`TaskStatusRequest.waitMs`); longer waits poll again. */
const MAX_POLL_MS = 300_000;

const isEnded = (s: TaskStatusReply['status']): s is EndStatus =>
  (EndStatus as readonly string[]).includes(s);

/**
 * Waits until a task ends, long-polling its pool's dispatcher, and returns how it ended. For an
 * end caused by a worker's report (completed, failed, or dead-lettered after a failure) the
 * report is read from the stream by its sequence and decoded, so `output`, `usage` and `error`
 * are those the worker stored. Throws `WaitTimeoutError` when the task has not ended within
 * `timeoutMs`, and what `taskStatus` throws.
 */
export const awaitTask = async (
  nc: NatsConnection,
  query: TaskRef & { readonly timeoutMs: number },
  options: AwaitOptions = {},
): Promise<TaskOutcome> => {
  const root = options.root ?? DEFAULT_ROOT;
  const deadline = Date.now() + query.timeoutMs;
  const ref = { project: query.project, pool: query.pool, taskId: query.taskId };
  let reply: TaskStatusReply;
  for (;;) {
    // The dispatcher holds the poll while the task is queued, assigned or not folded yet.
    const waitMs = Math.max(0, Math.min(deadline - Date.now(), MAX_POLL_MS));
    reply = await taskStatus(nc, { ...ref, waitMs }, { root });
    if (isEnded(reply.status)) break;
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(query.taskId, reply.status, query.timeoutMs);
  }
  const outcome: TaskOutcome = {
    status: reply.status,
    attempts: reply.attempts,
    ...(reply.reason === undefined ? {} : { reason: reply.reason }),
    ...(reply.endedSeq === undefined ? {} : { endedSeq: reply.endedSeq }),
  };
  if (reply.endedSeq === undefined || reply.status === 'cancelled') return outcome;
  return { ...outcome, ...(await readReport(nc, query, reply.endedSeq, root, options.stream)) };
};

/** The output, usage and error of the report stored at `seq`, if it is this task's report. */
const readReport = async (
  nc: NatsConnection,
  ref: TaskRef,
  seq: number,
  root: string,
  stream: string = DEFAULT_STREAM,
): Promise<Pick<TaskOutcome, 'output' | 'usage' | 'error'>> => {
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
  for (const e of decoded.value.events) {
    if (e.data.project !== ref.project || !('taskId' in e.data) || e.data.taskId !== ref.taskId)
      continue;
    if (e.type === 'task.completed')
      return {
        ...(e.data.output === undefined ? {} : { output: e.data.output }),
        usage: e.data.usage,
      };
    if (e.type === 'task.failed') return { error: e.data.error, usage: e.data.usage };
  }
  return {};
};
