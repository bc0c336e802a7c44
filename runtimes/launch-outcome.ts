/** How a launched attempt ended, in any runtime. */
export const LaunchOutcome = {
  /** Exit code 0, or the function returned. */
  succeeded: 'succeeded',
  /** Another exit code, or the function threw (Lambda's `FunctionError`). */
  failed: 'failed',
  /** The wall-clock limit ran out first: the launcher stopped it, or the runtime's deadline did. */
  timedOut: 'timed_out',
  /** Killed for using more memory than its limit (OOM). */
  memoryExceeded: 'memory_exceeded',
  /** The attempt's signal aborted (lease over, taken away, worker stopping): the launcher stopped it. */
  aborted: 'aborted',
  /** The container, pod or invocation vanished without an exit code (evicted, engine gone). */
  lost: 'lost',
} as const;
export type LaunchOutcome = (typeof LaunchOutcome)[keyof typeof LaunchOutcome];
