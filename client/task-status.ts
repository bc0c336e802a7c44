import { RequestError } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  DecodeError,
  DEFAULT_ROOT,
  ErrorCode,
  PoolId,
  ProjectId,
  RefusedError,
  subjects,
  TaskStatusReply,
  TaskStatusRequest,
  UnavailableError,
} from '../events/index.ts';
import type { ClientOptions } from './client-options.ts';
import { InvalidInputError } from './invalid-input-error.ts';
import { permissionRefusal } from './permission-refusal.ts';
import { requesterKey } from '../actors/gateway/index.ts';
import type { TaskRef } from './task-ref.ts';

/** Time a status request waits for its answer beyond the long-poll itself. */
const ANSWER_MARGIN_MS = 5_000;

const StatusQuery = z
  .object({ project: ProjectId, pool: PoolId })
  .extend(TaskStatusRequest.shape)
  .strict();

const encoder = new TextEncoder();

/**
 * Asks the pool's dispatcher where a task stands. With `waitMs` the dispatcher holds the
 * request until the task ends (completed, failed, cancelled, dead-lettered) or the wait runs
 * out, and answers then. `rejected` means the stream refused the submission (`reason` says
 * why); `unknown`, that the dispatcher has no such task in the project and pool (yet). With
 * `withReport`, an ended task's reply carries what its ending report said (`report`), or why
 * not (`reportOmitted`). Throws `InvalidInputError` for invalid names, `UnavailableError` when
 * no dispatcher answers, `RefusedError` when the dispatcher or the NATS server refuses the
 * request (a subject the connection's credentials do not allow, say).
 */
export const taskStatus = async (
  nc: NatsConnection,
  query: TaskRef & { readonly waitMs?: number; readonly withReport?: boolean },
  options: ClientOptions = {},
): Promise<TaskStatusReply> => {
  const parsed = StatusQuery.safeParse(query);
  if (!parsed.success) throw InvalidInputError.fromZod(parsed.error, { what: 'invalid query' });
  const { project, pool, taskId, waitMs, withReport } = parsed.data;
  const subject = subjects(options.root ?? DEFAULT_ROOT).status(project, pool, requesterKey(nc));
  // `withReport` only when asked: dispatchers older than the field refuse it.
  const request = withReport ? { taskId, waitMs, withReport } : { taskId, waitMs };
  let body: unknown;
  try {
    const m = await nc.request(subject, encoder.encode(JSON.stringify(request)), {
      timeout: waitMs + ANSWER_MARGIN_MS,
    });
    body = m.json<unknown>();
  } catch (cause) {
    if (cause instanceof SyntaxError)
      throw new DecodeError(ErrorCode.MalformedJson, 'status reply is not JSON', subject, {
        cause,
      });
    const refused = permissionRefusal(cause, `ask for the status of task ${taskId} on ${subject}`);
    if (refused !== undefined) throw refused;
    const why =
      cause instanceof RequestError && cause.isNoResponders()
        ? `no dispatcher serves pool ${pool}`
        : `the dispatcher of pool ${pool} did not answer in time`;
    throw new UnavailableError(`cannot get the status of task ${taskId}: ${why}`, { cause });
  }
  const reply = TaskStatusReply.safeParse(body);
  if (reply.success) return reply.data;
  if (typeof body === 'object' && body !== null && 'error' in body)
    throw new RefusedError('invalid_request', `the dispatcher refused: ${String(body.error)}`);
  throw new DecodeError(ErrorCode.SchemaInvalid, 'status reply is not valid', subject, {
    cause: reply.error,
  });
};
