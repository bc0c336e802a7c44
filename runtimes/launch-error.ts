/** Stable codes of `LaunchError`. */
export const LaunchErrorCode = {
  /** The runtime's API (engine, cluster, Lambda service) could not be reached or refused the call. */
  unavailable: 'runtime_unavailable',
  /** The image or function does not exist where the launcher looked. */
  notFound: 'runtime_not_found',
  /** The task's input is larger than the runtime accepts (Lambda's 6 MB): refused before dispatch. */
  payloadTooLarge: 'payload_too_large',
} as const;
export type LaunchErrorCode = (typeof LaunchErrorCode)[keyof typeof LaunchErrorCode];

/**
 * Thrown by a launcher when an attempt could not be launched at all (as opposed to a launched
 * attempt that failed, which is a `LaunchResult`). `retryable` is false when the same input
 * would be refused again anywhere in that runtime.
 */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
  readonly retryable: boolean;
  constructor(
    readonly code: LaunchErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? code !== LaunchErrorCode.payloadTooLarge;
  }
}
