import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { PoolId, ProjectId, TaskId, WorkerId } from '../events/index.ts';

/**
 * What the HUD's operators may do from the page. Each is an event on the stream, appended by
 * the service the HUD runs in: `cancel` stores `task.cancelled`, `drain` stores
 * `worker.draining` on the worker's report subject, `revoke` stores `worker.revoked` on its
 * member subject (as `fleet workers drain` and `fleet keys revoke-worker` do), `redrive`
 * stores `task.redriven` with a dead letter's body as submitted (as `fleet dlq redrive` does),
 * and refuses (`RefusedError`, 409) a task that is not dead-lettered; `setLimit` and
 * `clearLimit` store `limit.set` and `limit.cleared` on the scope's limits subject.
 */
export interface OperatorActions {
  cancel(ref: CancelRequest): Promise<{ readonly seq: number }>;
  redrive(ref: RedriveRequest): Promise<{ readonly seq: number }>;
  drain(ref: DrainRequest): Promise<{ readonly seq: number }>;
  revoke(ref: RevokeRequest): Promise<{ readonly seq: number }>;
  /**
   * Stores `limit.set` (as `fleet limits set` does); a limit that does not parse is refused with
   * an `InvalidInputError` (400) and its refusal recorded on the stream as `limit.refused`.
   */
  setLimit(ref: SetLimitRequest): Promise<{ readonly seq: number }>;
  /** Stores `limit.cleared` (as `fleet limits clear` does). */
  clearLimit(ref: ClearLimitRequest): Promise<{ readonly seq: number }>;
}

/** A cancellation asked from the page. */
export const CancelRequest = z.strictObject({
  project: ProjectId,
  pool: PoolId,
  taskId: TaskId,
  reason: z.string().min(1).max(200).optional(),
});
export type CancelRequest = z.infer<typeof CancelRequest>;

/** A dead-lettered task to run again, asked from the page. */
export const RedriveRequest = z.strictObject({
  project: ProjectId,
  pool: PoolId,
  taskId: TaskId,
  reason: z.string().min(1).max(200).optional(),
});
export type RedriveRequest = z.infer<typeof RedriveRequest>;

/** A worker to drain, asked from the page. */
export const DrainRequest = z.strictObject({
  project: ProjectId,
  pool: PoolId,
  workerId: WorkerId,
});
export type DrainRequest = z.infer<typeof DrainRequest>;

/** A worker to lock out, asked from the page. */
export const RevokeRequest = z.strictObject({
  project: ProjectId,
  pool: PoolId,
  workerId: WorkerId,
  reason: z.string().min(1).max(200).optional(),
});
export type RevokeRequest = z.infer<typeof RevokeRequest>;

/** A value as typed in the page's field: parsed by the server as `fleet limits set` parses it. */
const Typed = z.string().max(64).optional();

/** Limits to put in force, asked from the page: `fleet limits set`'s options, as typed. */
export const SetLimitRequest = z.strictObject({
  project: ProjectId,
  pool: PoolId,
  model: Typed,
  budgetUsd: Typed,
  budgetTokens: Typed,
  period: Typed,
  timeZone: Typed,
  tasksPerMinute: Typed,
  tokensPerMinute: Typed,
  concurrency: Typed,
  estimateUsd: Typed,
  estimateTokens: Typed,
});
export type SetLimitRequest = z.infer<typeof SetLimitRequest>;

/** Limits to lift, asked from the page. */
export const ClearLimitRequest = z.strictObject({ project: ProjectId, pool: PoolId, model: Typed });
export type ClearLimitRequest = z.infer<typeof ClearLimitRequest>;

/** Largest action body read; a larger one is refused unread. */
const MAX_BODY_BYTES = 4_096;

/** Thrown when an action request is refused before it reaches the stream; `status` says why. */
export class ActionRefusedError extends Error {
  override readonly name = 'ActionRefusedError';
  constructor(
    readonly status: 400 | 403 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a JSON body of at most {@link MAX_BODY_BYTES}, refusing anything else. */
export const readActionBody = async (req: IncomingMessage): Promise<unknown> => {
  const type = req.headers['content-type'] ?? '';
  // A form post from another site cannot send JSON without a preflight this server never allows.
  if (!/^application\/json\b/i.test(type))
    throw new ActionRefusedError(415, 'unsupported_media_type', 'send the action as JSON');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new ActionRefusedError(
        413,
        'too_large',
        `an action is at most ${MAX_BODY_BYTES} bytes`,
      );
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ActionRefusedError(400, 'invalid_json', 'the action is not JSON');
  }
};

/** What `body` asks for under `schema`, checked against the contract's names. */
export const parseAction = <T>(schema: z.ZodType<T>, what: string, body: unknown): T => {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ActionRefusedError(
      400,
      'invalid_request',
      `invalid ${what}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return parsed.data;
};
