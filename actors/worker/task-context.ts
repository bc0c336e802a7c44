import type { z } from 'zod';
import type { PoolId, ProjectId, TaskId, Usage } from '../../events/index.ts';
import type { ProgressUpdate } from './progress-throttle.ts';

/** Any JSON value, as payloads and outputs travel. */
export type JsonValue = z.output<ReturnType<typeof z.json>>;

/** One attempt of a task, as a handler receives it. */
export interface TaskContext {
  readonly taskId: TaskId;
  readonly project: ProjectId;
  readonly pool: PoolId;
  /** 1 for the first attempt; reports name it so a stale one is refused. */
  readonly attempt: number;
  readonly payload: JsonValue;
  /**
   * Epoch ms at which the lease ends and `signal` aborts; later each time the worker's
   * heartbeats extend it (a long task keeps its lease while its worker lives).
   */
  readonly leaseExpiresAt: number;
  /** The task's lease length. */
  readonly timeoutMs: number;
  /**
   * Aborts when the lease expires, when the task is cancelled (`why: 'cancelled'`, heard at the
   * worker's next heartbeat), when the dispatcher says the worker no longer holds the attempt,
   * or when the worker stops hard; `signal.reason` is an `AbortedError`. A handler
   * should stop promptly: the worker keeps the slot busy until the handler returns.
   */
  readonly signal: AbortSignal;
  /**
   * Reports how far the attempt got (`done` of `total`, a short `message`) and streams partial
   * `output` (text, appended in order). Sent at most once a second (`ProgressLimits.sdkIntervalMs`):
   * the latest values win, output is concatenated; what is pending when the handler returns
   * goes out before its report. `fleet status` and the HUD show the latest. Throws
   * `InvalidInputError` for a negative or non-finite `done`, a `total` not over 0, or text
   * fields that are not text.
   */
  readonly progress: (update: ProgressUpdate) => void;
}

/** What a handler returns for a successful attempt. */
export interface TaskResult {
  readonly output?: JsonValue;
  /** Measured `durationMs` is filled in when absent. */
  readonly usage?: Partial<z.input<typeof Usage>>;
}

/**
 * Runs one attempt. Returning reports `task.completed`; throwing reports `task.failed`
 * (retryable unless the error has `retryable === false`, see `TaskError`).
 */
export type TaskHandler = (task: TaskContext) => Promise<TaskResult>;
