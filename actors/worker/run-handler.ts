import { performance } from 'node:perf_hooks';
import type { Assignment } from '../../events/index.ts';
import type { HandlerOutcome } from './build-report.ts';
import type { ProgressUpdate } from './progress-throttle.ts';
import type { TaskHandler } from './task-context.ts';

/** Runs the handler on one attempt; resolves with what it returned or threw, never rejects. */
export const runHandler = async (
  handler: TaskHandler,
  a: Assignment,
  signal: AbortSignal,
  lease: () => number = () => a.leaseExpiresAt,
  progress: (update: ProgressUpdate) => void = () => undefined,
): Promise<{ readonly outcome: HandlerOutcome; readonly durationMs: number }> => {
  const started = performance.now();
  let outcome: HandlerOutcome;
  try {
    outcome = {
      ok: true,
      result: await handler({
        taskId: a.taskId,
        project: a.project,
        pool: a.pool,
        attempt: a.attempt,
        payload: a.payload,
        get leaseExpiresAt() {
          return lease();
        },
        timeoutMs: a.timeoutMs,
        signal,
        progress,
      }),
    };
  } catch (error) {
    outcome = { ok: false, error };
  }
  return { outcome, durationMs: performance.now() - started };
};
