import { DEFAULT_ROOT, storable, subjects, TaskFailed, TaskLimits } from '../../events/index.ts';
import type { Assignment, EventOf, FleetEventInput, WorkerId } from '../../events/index.ts';
import type { TaskResult } from './task-context.ts';

/** How a handler ended: what it returned, or what it threw. */
export type HandlerOutcome =
  | { readonly ok: true; readonly result: TaskResult | undefined }
  | { readonly ok: false; readonly error: unknown };

/** The outcome of one attempt, as the worker reports it. */
export type Report = EventOf<'task.completed'> | EventOf<'task.failed'>;

const MAX_ERROR_MESSAGE = 4096;
const MAX_ERROR_CODE = 128;
/** The code of a result that cannot be stored readably. */
const INVALID = 'invalid_result';

const clip = (s: string, max: number): string => (s.length <= max ? s : s.slice(0, max));

const messageOf = (error: unknown): string => {
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  if (typeof error === 'string') return error;
  try {
    // `undefined` for what JSON cannot represent, whatever the declared type says.
    const text = JSON.stringify(error) as string | undefined;
    return text ?? String(error);
  } catch {
    return String(error);
  }
};

const field = (error: unknown, key: 'code' | 'retryable' | 'retryAfterMs'): unknown =>
  typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;

/** A thrown error's `retryAfterMs` as the contract takes it: whole ms, clipped to its bounds. */
const retryAfterOf = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? Math.min(TaskLimits.maxRetryDelayMs, Math.max(0, Math.ceil(v)))
    : undefined;

/**
 * Builds the validated report of an attempt: `task.completed` with the handler's output and
 * usage (`durationMs` measured when the handler gave none), or `task.failed` with the thrown
 * error's message and code, retryable unless the error says `retryable === false`, and its
 * `retryAfterMs` (clipped to the contract's bounds). A result
 * that could not be stored readably (not JSON, bad usage, nested too deep, too large once
 * wrapped in a batch: the codec's own verdict, see `storable`) is a non-retryable failure
 * `invalid_result` with the reason, since running the same handler again would give the same.
 */
export const buildReport = (input: {
  readonly assignment: Assignment;
  readonly workerId: WorkerId;
  readonly outcome: HandlerOutcome;
  readonly durationMs: number;
  readonly at: number;
  /** Subject root of the deployment (default `fleet`). */
  readonly root?: string;
  /** Largest message the report may travel in (default, and never above, the codec's). */
  readonly maxBytes?: number;
}): Report => {
  const { assignment: a, workerId, outcome, at } = input;
  const durationMs = Math.max(0, Math.round(input.durationMs));
  const ref = { taskId: a.taskId, project: a.project, pool: a.pool, workerId, attempt: a.attempt };
  const failed = (
    message: string,
    code: string | undefined,
    retryable: boolean,
    retryAfterMs?: number,
  ): Report =>
    TaskFailed.parse({
      type: 'task.failed',
      data: {
        ...ref,
        error: {
          message: clip(message, MAX_ERROR_MESSAGE),
          ...(code === undefined ? {} : { code: clip(code, MAX_ERROR_CODE) }),
        },
        retryable,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        usage: { durationMs },
      },
      meta: { at },
    });
  if (!outcome.ok) {
    const code = field(outcome.error, 'code');
    return failed(
      messageOf(outcome.error),
      typeof code === 'string' ? code : undefined,
      field(outcome.error, 'retryable') !== false,
      retryAfterOf(field(outcome.error, 'retryAfterMs')),
    );
  }
  // What the handler returned is its own: a getter that throws must not throw here.
  let completed: FleetEventInput;
  try {
    const result: TaskResult = outcome.result ?? {};
    const { output, usage } = result;
    completed = {
      type: 'task.completed',
      data: {
        ...ref,
        ...(output === undefined ? {} : { output }),
        usage: { ...usage, durationMs: usage?.durationMs ?? durationMs },
      },
      meta: { at },
    };
  } catch (error) {
    return failed(`the handler's result could not be read: ${messageOf(error)}`, INVALID, false);
  }
  const root = input.root ?? DEFAULT_ROOT;
  const subject = subjects(root).report(a.project, a.pool, workerId);
  // Checked as the log will read it, so an accepted report is never refused there, and a bad
  // one cannot take the other reports of its batch down with it.
  const checked = storable(subject, completed, {
    root,
    ...(input.maxBytes === undefined ? {} : { maxBytes: input.maxBytes }),
  });
  if (!checked.ok)
    return failed(`the handler's result cannot be stored: ${checked.error}`, INVALID, false);
  const read = checked.value;
  return read.type === 'task.completed'
    ? read
    : failed(`the report was read back as ${read.type}`, INVALID, false);
};
