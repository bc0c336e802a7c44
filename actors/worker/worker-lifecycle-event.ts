import type { FleetError, TaskId } from '../../events/index.ts';
import type { AbortReason } from './aborted-error.ts';
import type { WorkerIdentity } from './enroll.ts';

/**
 * What a worker tells its `onEvent` listener, for logs and displays. Errors the worker survives
 * (`claim_error`, `heartbeat_error`, `report_failed`) are told here and never thrown.
 */
export type WorkerLifecycleEvent =
  | { readonly type: 'enrolled'; readonly identity: WorkerIdentity }
  /** The dispatcher knows the worker (first `active` heartbeat reply): claiming starts. */
  | { readonly type: 'active' }
  | {
      readonly type: 'task_started';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly leaseExpiresAt: number;
    }
  | {
      readonly type: 'task_aborted';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly why: AbortReason;
    }
  /** The report is stored: `seq` is its stream sequence. */
  | {
      readonly type: 'task_reported';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly outcome: 'completed' | 'failed';
      readonly durationMs: number;
      readonly seq: number;
    }
  /** The attempt was taken away or the worker stopped: nothing was reported. */
  | { readonly type: 'task_dropped'; readonly taskId: TaskId; readonly attempt: number }
  | {
      readonly type: 'report_failed';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly error: unknown;
    }
  | { readonly type: 'claim_error'; readonly error: unknown; readonly retryInMs: number }
  | { readonly type: 'heartbeat_error'; readonly error: unknown }
  /** An append of the worker's own lifecycle (draining, left) failed; the worker goes on. */
  | { readonly type: 'append_failed'; readonly what: 'draining' | 'left'; readonly error: unknown }
  /** Secure mode: new credentials arrived; the worker reconnects with them. */
  | { readonly type: 'credentials_renewed'; readonly expiresAt: number }
  /** Secure mode: a renewal failed; it is retried until the credentials expire. */
  | { readonly type: 'renewal_error'; readonly error: unknown }
  | { readonly type: 'draining' }
  | { readonly type: 'left' }
  /** The fleet refused the worker (lost, revoked, unknown, claim refused): it must enroll again. */
  | { readonly type: 'refused'; readonly reason: string; readonly detail: string }
  | { readonly type: 'killed' }
  | { readonly type: 'ended'; readonly error?: FleetError };
