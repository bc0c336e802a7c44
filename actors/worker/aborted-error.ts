import { ErrorCode, FleetError } from '../../events/index.ts';

/** Why an attempt's signal aborted. */
export const AbortReason = {
  /** The lease ran out: the dispatcher will requeue the task. */
  leaseExpired: 'lease_expired',
  /** A heartbeat reply said the worker no longer holds the attempt. */
  takenAway: 'taken_away',
  /** The task was cancelled while the attempt ran: nothing is reported, nothing retried. */
  cancelled: 'cancelled',
  /** The worker stopped hard: killed, lost, revoked or disconnected. */
  workerStopped: 'worker_stopped',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

/** The reason carried by an aborted `TaskContext.signal`. */
export class AbortedError extends FleetError {
  override readonly name = 'AbortedError';
  constructor(
    readonly why: AbortReason,
    message: string,
  ) {
    super(ErrorCode.Aborted, message);
  }
}
