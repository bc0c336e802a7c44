import type { Assignment, TaskId } from '../../events/index.ts';
import { contextOf, fleetAttributes, inSpan } from '../../telemetry/trace-context.ts';
import { AbortedError } from './aborted-error.ts';
import { AttemptTraces } from './attempt-traces.ts';
import type { AbortReason } from './aborted-error.ts';
import { ProgressThrottle } from './progress-throttle.ts';
import type { ProgressSend } from './progress-throttle.ts';
import { runHandler } from './run-handler.ts';
import type { TaskHandler } from './task-context.ts';
import type { WorkerEvent } from './worker-event.ts';

/** Runs handlers, one per attempt, each with its abort signal and lease timer. */
export interface AttemptRunner {
  /** Runs the handler; resolves with `handler_returned` (never rejects). */
  start(assignment: Assignment, leaseMs: number): Promise<WorkerEvent>;
  /** Moves the attempt's lease (and its local abort) to `leaseExpiresAt`, in `leaseMs`. */
  extend(taskId: TaskId, attempt: number, leaseExpiresAt: number, leaseMs: number): void;
  /** Aborts the handler's signal, if it still runs. */
  abort(taskId: TaskId, why: AbortReason, message: string): void;
}

/**
 * `traces` holds each attempt's trace context. `onLeaseExpired` is told when an attempt's lease
 * runs out before its handler returns; `sendProgress` stores a handler's progress, throttled.
 */
export const attemptRunner = (
  handler: TaskHandler,
  onLeaseExpired: (event: WorkerEvent & { type: 'lease_expired' }) => void,
  traces: AttemptTraces = new AttemptTraces(),
  sendProgress: (assignment: Assignment, progress: ProgressSend) => void = () => undefined,
): AttemptRunner => {
  const running = new Map<
    TaskId,
    { controller: AbortController; lease: NodeJS.Timeout; attempt: number; expiresAt: number }
  >();
  const expire = (taskId: TaskId, attempt: number, ms: number) =>
    setTimeout(() => {
      onLeaseExpired({ type: 'lease_expired', taskId, attempt });
    }, ms);
  return {
    start: async (assignment, leaseMs) => {
      const { taskId, attempt } = assignment;
      const controller = new AbortController();
      const r = {
        controller,
        lease: expire(taskId, attempt, leaseMs),
        attempt,
        expiresAt: assignment.leaseExpiresAt,
      };
      running.set(taskId, r);
      const progress = new ProgressThrottle((p) => {
        sendProgress(assignment, p);
      });
      try {
        // The attempt's span, child of its assignment; the handler's own spans nest in it.
        const ran = await inSpan(
          'fleet.run',
          {
            kind: 'consumer',
            parent: contextOf(traces.of(taskId, attempt)),
            attributes: fleetAttributes(assignment),
          },
          (traceparent) => {
            traces.set(taskId, attempt, traceparent);
            // The handler reads the lease as heartbeats extend it.
            return runHandler(
              handler,
              assignment,
              controller.signal,
              () => r.expiresAt,
              (u) => {
                progress.report(u);
              },
            );
          },
        );
        // Before the report: what the handler streamed last is stored ahead of its outcome. An
        // aborted attempt's is dropped: its task is no longer this worker's to report.
        if (controller.signal.aborted) progress.discard();
        else progress.flush();
        return { type: 'handler_returned', taskId, attempt, ...ran };
      } finally {
        progress.discard();
        clearTimeout(r.lease);
        running.delete(taskId);
      }
    },
    extend: (taskId, attempt, leaseExpiresAt, leaseMs) => {
      const r = running.get(taskId);
      if (r?.attempt !== attempt || r.controller.signal.aborted) return;
      clearTimeout(r.lease);
      r.lease = expire(taskId, attempt, leaseMs);
      r.expiresAt = leaseExpiresAt;
    },
    abort: (taskId, why, message) => {
      const r = running.get(taskId);
      if (r === undefined) return;
      clearTimeout(r.lease);
      r.controller.abort(new AbortedError(why, message));
    },
  };
};
