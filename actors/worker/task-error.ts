/**
 * What a task handler throws to fail an attempt on purpose. `retryable: false` fails the task at
 * once; a retryable failure (the default, and what any other thrown error means) requeues it
 * while attempts remain. `code` is the application's own, reported as `error.code`.
 *
 * It is not a `FleetError`: its code belongs to the handler's domain, not to Fleet's contract.
 */
export class TaskError extends Error {
  override readonly name = 'TaskError';
  readonly retryable: boolean;
  readonly code: string | undefined;
  /**
   * Not before this many ms: the next attempt waits at least this long (an upstream that
   * answered "429, try in 20 s"), however short the task's backoff.
   */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: { retryable?: boolean; code?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? true;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }
}
