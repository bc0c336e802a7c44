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
  constructor(
    message: string,
    options: { retryable?: boolean; code?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? true;
    this.code = options.code;
  }
}
