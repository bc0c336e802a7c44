import type { NatsConnection } from '@nats-io/transport-node';
import { subjects, TaskProgress, WorkerDraining, WorkerLeft } from '../../events/index.ts';
import type { Assignment, PoolId, ProjectId, TaskId, WorkerId } from '../../events/index.ts';
import type { ProgressSend } from './progress-throttle.ts';
import { contextOf, fleetAttributes, inSpan } from '../../telemetry/trace-context.ts';
import type { AttemptTraces } from './attempt-traces.ts';
import { requestClaim } from './claim-request.ts';
import { requestBeat } from './heartbeat-request.ts';
import { reporter } from './reporter.ts';
import type { WorkerEffect } from './worker-effect.ts';
import type { WorkerEvent } from './worker-event.ts';

/** The worker's requests; each resolves with the event of its outcome and never rejects. */
export interface WorkerRequests {
  beat(
    attempts: readonly { readonly taskId: TaskId; readonly attempt: number }[],
  ): Promise<WorkerEvent>;
  /**
   * A claim numbered `id` (counted by the shell); once `late` (given up for a newer one), its
   * assignments come as `late_claim_replied`, and its failure as nothing.
   */
  claim(max: number, id: number | undefined, late: () => boolean): Promise<WorkerEvent | undefined>;
  report(effect: WorkerEffect & { type: 'report' }): Promise<WorkerEvent>;
  append(what: 'draining' | 'left', at: number): Promise<WorkerEvent>;
  reconnect(): Promise<WorkerEvent>;
  /**
   * Stores a progress report of an attempt, in order with the worker's reports. Best effort:
   * one that cannot be stored is dropped (the attempt's outcome still is reported).
   */
  progress(assignment: Assignment, progress: ProgressSend): void;
}

/** The requests of the worker `identity` on `nc`; retries of appends stop when `signal` aborts. */
export const workerRequests = (options: {
  readonly nc: NatsConnection;
  readonly root: string;
  readonly identity: {
    readonly workerId: WorkerId;
    readonly project: ProjectId;
    readonly pool: PoolId;
  };
  readonly heartbeatMs: number;
  readonly claimWaitMs: number;
  readonly requestTimeoutMs: number;
  readonly maxBackoffMs: number;
  readonly signal: AbortSignal;
  /** The clock of report dates. */
  readonly now: () => number;
  /** The trace context of the attempts held. */
  readonly traces: AttemptTraces;
}): WorkerRequests => {
  const { nc, root, identity, claimWaitMs, now } = options;
  const { workerId, project, pool } = identity;
  const s = subjects(root);
  const reports = reporter(options);
  return {
    beat: (attempts) =>
      requestBeat(
        nc,
        s.heartbeat(project, pool, workerId),
        attempts,
        Math.max(1_000, 2 * options.heartbeatMs),
      ).then(
        (reply): WorkerEvent => ({ type: 'beat_replied', reply }),
        (error: unknown): WorkerEvent => ({ type: 'beat_failed', error }),
      ),
    claim: (max, id, late) =>
      requestClaim(nc, s.claim(project, pool, workerId), { max, waitMs: claimWaitMs, id }).then(
        ({ reply, traceparents }): WorkerEvent | undefined => {
          if ('refused' in reply)
            return late() ? undefined : { type: 'claim_refused', ...reply.refused };
          reply.assignments.forEach((a, i) => {
            options.traces.set(a.taskId, a.attempt, traceparents[i]);
          });
          const { assignments } = reply;
          return late()
            ? { type: 'late_claim_replied', assignments }
            : { type: 'claim_replied', assignments };
        },
        // A late claim's failure says nothing of the claim under way.
        (error: unknown): WorkerEvent | undefined =>
          late() ? undefined : { type: 'claim_failed', error, jitter: Math.random() },
      ),
    report: async ({ assignment, outcome, durationMs }) => {
      const { taskId, attempt } = assignment;
      try {
        const report = reports.build({ assignment, outcome, durationMs, at: now() });
        const seq = await inSpan(
          'fleet.report',
          {
            kind: 'producer',
            parent: contextOf(options.traces.of(taskId, attempt)),
            attributes: fleetAttributes({ ...assignment, workerId }),
          },
          (traceparent) => reports.append(report, traceparent),
        );
        options.traces.delete(taskId, attempt);
        return {
          type: 'report_stored',
          taskId,
          attempt,
          outcome: report.type === 'task.completed' ? 'completed' : 'failed',
          durationMs: report.data.usage.durationMs,
          seq,
        };
      } catch (error) {
        return { type: 'report_failed', taskId, attempt, error };
      }
    },
    append: async (what, at) => {
      const event = { data: { workerId, project, pool }, meta: { at } };
      try {
        await reports.append(
          what === 'draining'
            ? WorkerDraining.parse({ type: 'worker.draining', ...event })
            : WorkerLeft.parse({ type: 'worker.left', ...event }),
        );
        return { type: 'appended', what };
      } catch (error) {
        return { type: 'append_failed', what, error };
      }
    },
    progress: (assignment, progress) => {
      const event = TaskProgress.safeParse({
        type: 'task.progress',
        data: {
          ...progress,
          taskId: assignment.taskId,
          project,
          pool,
          workerId,
          attempt: assignment.attempt,
        },
        meta: { at: now() },
      });
      if (!event.success) return;
      const { taskId, attempt } = assignment;
      reports.append(event.data, options.traces.of(taskId, attempt)).catch(() => undefined);
    },
    reconnect: async () => {
      try {
        await nc.reconnect();
      } catch {
        // The new credentials stay for the next reconnect, at the latest the server's cut.
      }
      return { type: 'reconnected' };
    },
  };
};
