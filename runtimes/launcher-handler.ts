import { outputOf, TaskError } from '../actors/worker/index.ts';
import type { TaskContext, TaskHandler, TaskResult } from '../actors/worker/index.ts';
import { LaunchError } from './launch-error.ts';
import { LaunchOutcome } from './launch-outcome.ts';
import type { LaunchLimits, LaunchResult, Launcher } from './launcher.ts';

/** Options of `launcherHandler`: the template every attempt is launched from. */
export interface LauncherHandlerOptions {
  /** The image of every attempt (the launcher's own when absent). */
  readonly image?: string;
  /** Added to every attempt's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Wall-clock limit of an attempt (default: its lease). */
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  readonly cpus?: number;
}

/** The task as `fleet worker --exec` hands it to a command, and a launcher to its runtime. */
export const taskInput = (task: TaskContext): string =>
  JSON.stringify({
    taskId: task.taskId,
    project: task.project,
    pool: task.pool,
    attempt: task.attempt,
    payload: task.payload,
  });

/** The message of a failure: its detail, and the end of what it wrote to stderr. */
const said = (r: LaunchResult): string => {
  const tail = r.stderr.trim();
  return tail === '' ? r.detail : `${r.detail}: ${tail}`;
};

/**
 * The report of a launched attempt, as `--exec` would make it: stdout is the output; another
 * exit code fails retryably (`exit_<n>`); a timeout fails retryably (`timeout`); a memory kill
 * fails for good (`memory_exceeded`: the same limit kills it again); a lost container or pod
 * fails retryably (`lost`); stdout over the cap fails for good (`invalid_result`).
 */
export const resultOf = (r: LaunchResult, task: TaskContext): TaskResult => {
  switch (r.outcome) {
    case LaunchOutcome.succeeded: {
      if (r.truncated)
        throw new TaskError(`${r.detail}: stdout exceeds the launcher's cap`, {
          code: 'invalid_result',
          retryable: false,
        });
      const output = outputOf(r.stdout);
      return output === undefined ? {} : { output };
    }
    case LaunchOutcome.failed:
      throw new TaskError(said(r), {
        code: r.exitCode === undefined ? 'function_error' : `exit_${r.exitCode}`,
      });
    case LaunchOutcome.timedOut:
      throw new TaskError(said(r), { code: 'timeout' });
    case LaunchOutcome.memoryExceeded:
      throw new TaskError(said(r), { code: 'memory_exceeded', retryable: false });
    case LaunchOutcome.lost:
      throw new TaskError(said(r), { code: 'lost' });
    case LaunchOutcome.aborted: {
      const reason: unknown = task.signal.reason;
      throw reason instanceof Error ? reason : new TaskError(r.detail, { code: 'aborted' });
    }
    default: {
      const never: never = r.outcome;
      return never;
    }
  }
};

/**
 * A task handler that runs each attempt through `launcher`: a fresh container, Job or
 * invocation per attempt, under the template's limits. A `LaunchError` (nothing launched)
 * fails the attempt with its code, retryable unless the input is refused for good.
 */
export const launcherHandler =
  (launcher: Launcher, options: LauncherHandlerOptions = {}): TaskHandler =>
  async (task) => {
    const limits: LaunchLimits = {
      timeoutMs: options.timeoutMs ?? task.timeoutMs,
      ...(options.memoryMb === undefined ? {} : { memoryMb: options.memoryMb }),
      ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    };
    let result: LaunchResult;
    try {
      result = await launcher.run({
        taskId: task.taskId,
        project: task.project,
        pool: task.pool,
        attempt: task.attempt,
        input: taskInput(task),
        ...(options.image === undefined ? {} : { image: options.image }),
        env: options.env ?? {},
        limits,
        signal: task.signal,
      });
    } catch (error) {
      if (!(error instanceof LaunchError)) throw error;
      throw new TaskError(error.message, {
        code: error.code,
        retryable: error.retryable,
        cause: error,
      });
    }
    return resultOf(result, task);
  };
