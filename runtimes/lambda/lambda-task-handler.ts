import { z } from 'zod';
import { AbortedError } from '../../actors/worker/index.ts';
import type { JsonValue, TaskHandler } from '../../actors/worker/index.ts';
import { PoolId, ProjectId, TaskId } from '../../events/index.ts';

/** What a Lambda handler is given besides the event (the part Fleet uses). */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** The event the Lambda launcher sends: the task as `fleet worker --exec` reads it. */
const TaskEvent = z.object({
  taskId: TaskId,
  project: ProjectId,
  pool: PoolId,
  attempt: z.number().int().positive(),
  payload: z.json(),
});

/** Time kept back from the function's timeout, so the handler can stop before Lambda kills it. */
const MARGIN_MS = 500;

/**
 * The entry point of a Lambda function that runs Fleet tasks: `export const handler =
 * lambdaTaskHandler(myTaskHandler)`. It reads the task from the event, runs the task handler
 * with a signal that aborts shortly before the function's timeout, and returns the output as the
 * response (null when there is none). A thrown error becomes the invocation's function error,
 * which the launcher reports as a failure; an event that is not a task is refused the same way.
 */
export const lambdaTaskHandler =
  (handler: TaskHandler) =>
  async (event: unknown, context: LambdaContext): Promise<JsonValue> => {
    const task = TaskEvent.parse(event);
    const remaining = context.getRemainingTimeInMillis();
    const lease = new AbortController();
    const timer = setTimeout(
      () => {
        lease.abort(new AbortedError('lease_expired', 'the function is about to time out'));
      },
      Math.max(0, remaining - MARGIN_MS),
    );
    try {
      const result = await handler({
        ...task,
        leaseExpiresAt: Date.now() + remaining,
        timeoutMs: remaining,
        signal: lease.signal,
        // An invocation has no way back to the stream until it returns: progress goes nowhere.
        progress: () => undefined,
      });
      return result.output ?? null;
    } finally {
      clearTimeout(timer);
    }
  };
