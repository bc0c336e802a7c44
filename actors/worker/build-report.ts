import {
  encode,
  jsonShapeProblem,
  MAX_MESSAGE_BYTES,
  TaskCompleted,
  TaskFailed,
} from '../../events/index.ts';
import type { Assignment, EventOf, WorkerId } from '../../events/index.ts';
import type { TaskResult } from './task-context.ts';

/** How a handler ended: what it returned, or what it threw. */
export type HandlerOutcome =
  | { readonly ok: true; readonly result: TaskResult | undefined }
  | { readonly ok: false; readonly error: unknown };

/** The outcome of one attempt, as the worker reports it. */
export type Report = EventOf<'task.completed'> | EventOf<'task.failed'>;

const MAX_ERROR_MESSAGE = 4096;
const MAX_ERROR_CODE = 128;

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

const field = (error: unknown, key: 'code' | 'retryable'): unknown =>
  typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;

/**
 * Builds the validated report of an attempt: `task.completed` with the handler's output and
 * usage (`durationMs` measured when the handler gave none), or `task.failed` with the thrown
 * error's message and code, retryable unless the error says `retryable === false`. A result
 * that does not fit the contract (not JSON, bad usage, too large) is a non-retryable failure,
 * since running the same handler again would give the same result.
 */
export const buildReport = (input: {
  readonly assignment: Assignment;
  readonly workerId: WorkerId;
  readonly outcome: HandlerOutcome;
  readonly durationMs: number;
  readonly at: number;
}): Report => {
  const { assignment: a, workerId, outcome, at } = input;
  const durationMs = Math.max(0, Math.round(input.durationMs));
  const ref = { taskId: a.taskId, project: a.project, pool: a.pool, workerId, attempt: a.attempt };
  const failed = (message: string, code: string | undefined, retryable: boolean): Report =>
    TaskFailed.parse({
      type: 'task.failed',
      data: {
        ...ref,
        error: {
          message: clip(message, MAX_ERROR_MESSAGE),
          ...(code === undefined ? {} : { code: clip(code, MAX_ERROR_CODE) }),
        },
        retryable,
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
    );
  }
  const result: TaskResult = outcome.result ?? {};
  // What the codec refuses beyond the schema (nesting, a `__proto__` key the schema would drop
  // silently): refused whole, a report would take the others of its batch down with it.
  const shape = jsonShapeProblem(result.output);
  if (shape !== undefined)
    return failed(
      `the handler's output does not fit the contract: ${shape}`,
      'invalid_result',
      false,
    );
  const parsed = TaskCompleted.safeParse({
    type: 'task.completed',
    data: {
      ...ref,
      ...(result.output === undefined ? {} : { output: result.output }),
      usage: { ...result.usage, durationMs: result.usage?.durationMs ?? durationMs },
    },
    meta: { at },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.slice(1).map(String).join('.');
    return failed(
      `the handler's result does not fit the contract: ${where} ${issue?.message ?? ''}`.trim(),
      'invalid_result',
      false,
    );
  }
  const size = encode(parsed.data).byteLength;
  if (size > MAX_MESSAGE_BYTES)
    return failed(
      `the report is ${size} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`,
      'output_too_large',
      false,
    );
  return parsed.data;
};
