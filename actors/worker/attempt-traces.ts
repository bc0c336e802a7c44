import { UNTRACED } from '../../telemetry/trace-context.ts';

/** Most attempts whose trace context is kept; the oldest goes first beyond it. */
const MAX_TRACED = 10_000;

/**
 * The trace context of each attempt the worker holds: the dispatcher's assignment when claimed,
 * then the attempt's own run, whose child the report is. Beside the worker's state, never in it.
 */
export class AttemptTraces {
  readonly #byAttempt = new Map<string, string>();

  set(taskId: string, attempt: number, traceparent: string | undefined): void {
    const key = `${attempt}:${taskId}`;
    if (traceparent === undefined || traceparent === UNTRACED) {
      this.#byAttempt.delete(key);
      return;
    }
    this.#byAttempt.set(key, traceparent);
    if (this.#byAttempt.size > MAX_TRACED) {
      const oldest = this.#byAttempt.keys().next();
      if (oldest.done !== true) this.#byAttempt.delete(oldest.value);
    }
  }

  of(taskId: string, attempt: number): string | undefined {
    return this.#byAttempt.get(`${attempt}:${taskId}`);
  }

  delete(taskId: string, attempt: number): void {
    this.#byAttempt.delete(`${attempt}:${taskId}`);
  }
}
