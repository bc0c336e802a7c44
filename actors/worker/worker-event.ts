import type {
  Assignment,
  ClaimRejectReason,
  FleetError,
  HeartbeatReply,
  TaskId,
} from '../../events/index.ts';
import type { HandlerOutcome } from './build-report.ts';
import type { WorkerIdentity } from './enroll.ts';

/** What may happen to a worker: the input of `transition`. */
export type WorkerEvent =
  /** The shell has the worker's connection: it starts beating. */
  | { readonly type: 'started'; readonly identity: WorkerIdentity }
  /** The next heartbeat's time came. */
  | { readonly type: 'beat_due' }
  | { readonly type: 'beat_replied'; readonly reply: HeartbeatReply }
  | { readonly type: 'beat_failed'; readonly error: unknown }
  | { readonly type: 'claim_replied'; readonly assignments: readonly Assignment[] }
  /** The answer to a claim given up for a newer one (the serving dispatcher changed). */
  | { readonly type: 'late_claim_replied'; readonly assignments: readonly Assignment[] }
  | {
      readonly type: 'claim_refused';
      readonly reason: ClaimRejectReason;
      readonly detail: string;
    }
  /** `jitter` in [0, 1) spreads the retries of workers failing together. */
  | { readonly type: 'claim_failed'; readonly error: unknown; readonly jitter: number }
  | { readonly type: 'backoff_over' }
  | { readonly type: 'lease_expired'; readonly taskId: TaskId; readonly attempt: number }
  | {
      readonly type: 'handler_returned';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly outcome: HandlerOutcome;
      readonly durationMs: number;
    }
  | {
      readonly type: 'report_stored';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly outcome: 'completed' | 'failed';
      readonly durationMs: number;
      readonly seq: number;
    }
  | {
      readonly type: 'report_failed';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly error: unknown;
    }
  /** The worker's own lifecycle event was stored on its report subject. */
  | { readonly type: 'appended'; readonly what: 'draining' | 'left' }
  | { readonly type: 'append_failed'; readonly what: 'draining' | 'left'; readonly error: unknown }
  | { readonly type: 'drain_requested' }
  | { readonly type: 'kill_requested' }
  /** SIGTERM or SIGINT, when the worker handles signals. */
  | { readonly type: 'signal_received' }
  /** The connection closed, or a part of the worker broke: it stops hard. */
  | { readonly type: 'failed'; readonly error: FleetError }
  /** The stop grace ran out. */
  | { readonly type: 'grace_over' }
  | { readonly type: 'renewed'; readonly expiresAt: number }
  | { readonly type: 'renewal_failed'; readonly error: unknown }
  /** New credentials want a reconnect to be in force. */
  | { readonly type: 'reconnect_wanted' }
  | { readonly type: 'reconnected' };
