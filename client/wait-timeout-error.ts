import { ErrorCode, FleetError } from '../events/errors.ts';
import type { TaskStatusReply } from '../events/index.ts';

/** Thrown by `awaitTask` when the task has not ended within the time allowed. */
export class WaitTimeoutError extends FleetError {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly taskId: string,
    /** Where the task stood at the last answer: `queued`, `assigned` or `unknown`. */
    readonly lastStatus: TaskStatusReply['status'],
    waitedMs: number,
    /** Why a queued task waits, as its dispatcher last said (`TaskStatusReply.waiting`). */
    readonly waiting?: string,
  ) {
    super(
      ErrorCode.Timeout,
      `task ${taskId} is still ${lastStatus} after ${waitedMs} ms of waiting` +
        (waiting === undefined ? '' : `: ${waiting}`),
    );
  }
}
