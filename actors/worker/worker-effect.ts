import type { Assignment, FleetError, TaskId } from '../../events/index.ts';
import type { AbortReason } from './aborted-error.ts';
import type { HandlerOutcome } from './build-report.ts';
import type { WorkerLifecycleEvent } from './worker-lifecycle-event.ts';

/**
 * What `transition` asks the shell to do, in order. Whatever takes time ends in a `WorkerEvent`
 * fed back to the machine (a reply, a timer, a handler's return).
 */
export type WorkerEffect =
  /** Tell the `onEvent` listener. */
  | { readonly type: 'emit'; readonly event: WorkerLifecycleEvent }
  /** Send a heartbeat naming the attempts held. */
  | {
      readonly type: 'beat';
      readonly attempts: readonly { readonly taskId: TaskId; readonly attempt: number }[];
    }
  /** Time the next heartbeat (`beat_due`). */
  | { readonly type: 'wait_beat'; readonly ms: number }
  /** Long-poll the dispatcher for up to `max` assignments. */
  | { readonly type: 'claim'; readonly max: number }
  /** Wait before claiming again (`backoff_over`). */
  | { readonly type: 'back_off'; readonly ms: number }
  /** Run the handler; abort it (`lease_expired`) when the lease has run out in `leaseMs`. */
  | { readonly type: 'start'; readonly assignment: Assignment; readonly leaseMs: number }
  /** The attempt's lease was extended: it now runs out in `leaseMs` (at `leaseExpiresAt`). */
  | {
      readonly type: 'extend_lease';
      readonly taskId: TaskId;
      readonly attempt: number;
      readonly leaseExpiresAt: number;
      readonly leaseMs: number;
    }
  /** Abort the handler's signal with an `AbortedError`. */
  | {
      readonly type: 'abort';
      readonly taskId: TaskId;
      readonly why: AbortReason;
      readonly message: string;
    }
  /** Build and store the report of an attempt. */
  | {
      readonly type: 'report';
      readonly assignment: Assignment;
      readonly outcome: HandlerOutcome;
      readonly durationMs: number;
    }
  /** Store `worker.draining` or `worker.left`, dated `at`. */
  | { readonly type: 'append'; readonly what: 'draining' | 'left'; readonly at: number }
  /** No claim goes out any more: cancel the backoff. */
  | { readonly type: 'stop_claims' }
  /** No heartbeat goes out any more: cancel the timer. */
  | { readonly type: 'stop_beats' }
  /** Abandon requests under way, retries of appends, and the renewal of credentials. */
  | { readonly type: 'abandon' }
  /** Give aborted handlers `ms` to return (`grace_over`). */
  | { readonly type: 'wait_grace'; readonly ms: number }
  /** Reconnect with the renewed credentials (`reconnected`). */
  | { readonly type: 'reconnect' }
  /** Unhook signals, close the connection the worker owns, and settle `done` with `error`. */
  | { readonly type: 'end'; readonly error: FleetError | undefined };
